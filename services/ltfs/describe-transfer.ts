const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/**
 * Bytes as people read them, at most one decimal and none when it is 0.
 *
 * @example formatBytes(13_207_024_435) // "12.3 GiB"
 * @example formatBytes(32_212_254_720) // "30 GiB"
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, "");
  return `${text} ${UNITS[unit]}`;
}

/** A count with thousands separators: 1204 → "1,204". */
export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/** How far a copy to or from tape is. */
export interface TransferState {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly filesDone: number;
  readonly filesTotal: number;
}

/**
 * "12.3 GiB of 30 GiB, 1,204 of 5,000 files" and the percent of bytes (of files when there are
 * no bytes), kept below 100 until the step is done.
 */
export function describeTransfer(state: TransferState): { percent: number; text: string } {
  const fraction =
    state.bytesTotal > 0
      ? state.bytesDone / state.bytesTotal
      : state.filesTotal > 0
        ? state.filesDone / state.filesTotal
        : 0;
  return {
    percent: Math.min(99, Math.floor(fraction * 100)),
    text: `${formatBytes(state.bytesDone)} of ${formatBytes(state.bytesTotal)}, ${formatCount(state.filesDone)} of ${formatCount(state.filesTotal)} files`,
  };
}

/** "30 GiB in 4 min 12 s (122 MiB/s)". */
export function describeRate(bytes: number, durationMs: number): string {
  const seconds = Math.max(durationMs / 1000, 0.001);
  const took =
    seconds >= 60
      ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
      : `${seconds.toFixed(1)} s`;
  return `${formatBytes(bytes)} in ${took} (${formatBytes(bytes / seconds)}/s)`;
}

/**
 * Calls `report` at most every `intervalMs` (the first and the forced calls always): the
 * engines report after every chunk, and each report also tells JetStream the step still runs.
 */
export function throttled<T>(
  intervalMs: number,
  report: (value: T) => void,
): (value: T, force?: boolean) => void {
  let last = 0;
  return (value, force = false) => {
    const now = Date.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    report(value);
  };
}
