/** What a step has counted so far; each number only when the step knows it. */
export interface ProgressCounts {
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
  readonly filesDone?: number;
  readonly filesTotal?: number;
}

/** The rate over the last seconds, and the time left at that rate. */
export interface ProgressRate {
  readonly bytesPerSecond?: number;
  readonly filesPerSecond?: number;
  readonly etaSeconds?: number;
}

interface Sample {
  readonly at: number;
  readonly bytes: number;
  readonly files: number;
  readonly percent: number;
}

/** Samples closer than this replace each other. */
const SAMPLE_EVERY_MS = 250;

/** Shorter than this, a rate says more about timer jitter than about the drive. */
const MIN_SPAN_MS = 1_000;

/**
 * Measures a step's rate over a sliding window (20 s by default): a tape drive's speed changes
 * between large and small files, and the average since the start would hide that. Counts that
 * go back (the step began another phase) start the measure again. A step without totals
 * (exporting for a while, measuring source folders) gets its time left from its percent.
 *
 * @example
 * const meter = createRateMeter();
 * meter.sample({ bytesDone: 0, bytesTotal: 100e6 }, undefined, 0);
 * meter.sample({ bytesDone: 50e6, bytesTotal: 100e6 }, undefined, 5_000); // { bytesPerSecond: 10e6, etaSeconds: 5 }
 */
export function createRateMeter(windowMs = 20_000): {
  sample(counts: ProgressCounts, percent: number | undefined, at: number): ProgressRate;
} {
  let samples: Sample[] = [];
  return {
    sample(counts, percent, at) {
      const now: Sample = {
        at,
        bytes: counts.bytesDone ?? 0,
        files: counts.filesDone ?? 0,
        percent: percent ?? 0,
      };
      const last = samples.at(-1);
      const wentBack =
        last !== undefined &&
        (now.bytes < last.bytes || now.files < last.files || now.percent < last.percent);
      if (wentBack) samples = [];
      // Engines report per chunk or per file: keep one sample per quarter second, so the
      // window holds at most about 80 whatever the step does.
      const previous = samples.at(-1);
      if (samples.length > 1 && previous !== undefined && at - previous.at < SAMPLE_EVERY_MS) {
        samples[samples.length - 1] = now;
      } else {
        samples.push(now);
      }
      // Keep one sample at or before the window's start, so the span covers the whole window.
      while (samples.length > 2 && (samples[1] as Sample).at <= at - windowMs) samples.shift();
      const first = samples[0] as Sample;
      const spanMs = at - first.at;
      if (spanMs < MIN_SPAN_MS) return {};
      const bytesPerSecond = ((now.bytes - first.bytes) * 1000) / spanMs;
      const filesPerSecond = ((now.files - first.files) * 1000) / spanMs;
      const percentPerSecond = ((now.percent - first.percent) * 1000) / spanMs;
      const eta =
        timeLeft(counts, bytesPerSecond, filesPerSecond) ??
        (percent !== undefined && percentPerSecond > 0
          ? Math.ceil(Math.max(0, 100 - percent) / percentPerSecond)
          : null);
      return {
        ...(counts.bytesDone === undefined ? {} : { bytesPerSecond: Math.round(bytesPerSecond) }),
        ...(counts.filesDone === undefined
          ? {}
          : { filesPerSecond: Math.round(filesPerSecond * 10) / 10 }),
        ...(eta === null ? {} : { etaSeconds: eta }),
      };
    },
  };
}

/** Seconds left by bytes when the step counts bytes, else by files; null without totals or movement. */
function timeLeft(
  counts: ProgressCounts,
  bytesPerSecond: number,
  filesPerSecond: number,
): number | null {
  const { bytesDone, bytesTotal, filesDone, filesTotal } = counts;
  if (bytesDone !== undefined && bytesTotal !== undefined && bytesTotal > 0) {
    return bytesPerSecond > 0
      ? Math.ceil(Math.max(0, bytesTotal - bytesDone) / bytesPerSecond)
      : null;
  }
  if (filesDone !== undefined && filesTotal !== undefined && filesTotal > 0) {
    return filesPerSecond > 0
      ? Math.ceil(Math.max(0, filesTotal - filesDone) / filesPerSecond)
      : null;
  }
  return null;
}
