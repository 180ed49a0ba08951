import {
  describeBytes,
  describeDuration,
  describePercent,
  escapeControlCharacters,
} from "../../shared/format/index.ts";
import type { QueueJob } from "../../shared/messages/index.ts";

/** States a task ends in; `watch` stops when every task it follows is in one. */
export const ENDED_STATES: ReadonlySet<string> = new Set(["done", "failed", "aborted"]);

const BAR_WIDTH = 24;

/**
 * `[#########---------------]` for a percentage; `[        ?               ]` without one.
 *
 * @example progressBar(50, 8) // "[####----]"
 */
export function progressBar(percent: number | null, width = BAR_WIDTH): string {
  if (percent === null) return `[${"?".padStart(Math.ceil(width / 2)).padEnd(width)}]`;
  const filled = Math.floor((Math.min(100, Math.max(0, percent)) / 100) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/**
 * One task's line on a terminal: id, bar, percent, amounts, rate, time left and the step's own
 * words, cut to `columns` (the words may hold any character: shown escaped).
 *
 * @example
 * watchLine(job, 100) // "3fa2b1c0 archive [#########-------]  41%  412 MiB of 1.0 GiB  120 MiB/s  3 min left  writing …"
 */
export function watchLine(job: QueueJob, columns: number): string {
  const figures = job.progressFigures ?? null;
  const parts = [job.id, job.kind];
  if (job.state === "queued") {
    parts.push("queued, waiting for its turn");
  } else {
    const percent = figures?.percent ?? null;
    parts.push(
      progressBar(percent),
      percent === null ? "  ?" : describePercent(percent).padStart(4),
    );
    if (figures?.bytesTotal != null && figures.bytesDone != null && figures.bytesTotal > 0) {
      parts.push(`${describeBytes(figures.bytesDone)} of ${describeBytes(figures.bytesTotal)}`);
    } else if (figures?.filesTotal != null && figures.filesDone != null) {
      parts.push(`${figures.filesDone} of ${figures.filesTotal} files`);
    }
    if (figures?.bytesPerSecond != null && figures.bytesPerSecond > 0) {
      parts.push(`${describeBytes(figures.bytesPerSecond)}/s`);
    }
    if (figures?.etaSeconds != null) {
      parts.push(`${describeDuration(figures.etaSeconds * 1000)} left`);
    }
    if (job.progress) parts.push(job.progress);
  }
  const line = escapeControlCharacters(parts.join("  "));
  return line.length <= columns ? line : `${line.slice(0, Math.max(0, columns - 1))}…`;
}

/**
 * How a task ended, for the last lines of `watch`: its outcome and last word; a failed task's
 * error and what to do.
 *
 * @example watchOutcome(job) // "3fa2b1c0 done: Archiving folder: /x to tape AAK788L9 (verified 12 files)\n"
 */
export function watchOutcome(job: QueueJob): string {
  const last = job.progress ? ` (${job.progress})` : "";
  const lines = [`${job.id} ${job.state}: ${job.description}${job.state === "done" ? last : ""}`];
  if (job.state === "failed") {
    for (const line of (job.error ?? "(no error recorded)").trim().split("\n")) {
      lines.push(`    ${line}`);
    }
    lines.push(
      `Requeue it with \`pytarchive requeue ${job.id}\` once the cause is fixed, or drop it with \`pytarchive abort ${job.id}\`.`,
    );
  }
  return `${lines.join("\n")}\n`;
}
