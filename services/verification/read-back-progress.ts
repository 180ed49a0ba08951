import { describeBytesOf, describeCount } from "../../shared/format/index.ts";
import type { StepProgress } from "../../shared/steps/index.ts";
import type { VerifyProgress } from "./engine/index.ts";

/** The read-back reports every chunk; the step hears from it at most this often. */
const MIN_INTERVAL_MS = 250;

/**
 * Turns the engine's read-back progress into the step's, at most every 250 ms (each report
 * also tells JetStream the step is alive, so it must not be sent per 512 KiB chunk).
 * `share` places this folder within a longer run (a tape of several folders): its percent
 * runs from `share.start` to `share.end`, and `prefix` names the folder.
 *
 * @example
 * onProgress: readBackProgress(progress) // "checked 1,204 of 5,000 files, 3.2 of 30.0 GiB"
 */
export function readBackProgress(
  report: (progress: StepProgress) => void,
  options: { prefix?: string; share?: { start: number; end: number } } = {},
): (progress: VerifyProgress) => void {
  const { start, end } = options.share ?? { start: 0, end: 100 };
  let lastAt = 0;
  return (progress) => {
    const finished = progress.filesDone === progress.filesTotal;
    const now = Date.now();
    if (!finished && now - lastAt < MIN_INTERVAL_MS) return;
    lastAt = now;
    const fraction =
      progress.bytesTotal > 0
        ? progress.bytesDone / progress.bytesTotal
        : progress.filesTotal > 0
          ? progress.filesDone / progress.filesTotal
          : 1;
    const percent = Math.min(100, start + (end - start) * Math.min(1, fraction));
    report({
      percent: Math.round(percent * 10) / 10,
      counts: {
        bytesDone: progress.bytesDone,
        bytesTotal: progress.bytesTotal,
        filesDone: progress.filesDone,
        filesTotal: progress.filesTotal,
      },
      text: `${options.prefix ?? ""}checked ${describeCount(progress.filesDone)} of ${describeCount(progress.filesTotal)} files, ${describeBytesOf(progress.bytesDone, progress.bytesTotal)}`,
    });
  };
}
