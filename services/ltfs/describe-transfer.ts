import { describeBytes, describeCount, describeDuration } from "../../shared/format/index.ts";

/** How far a copy to or from tape is. */
export interface TransferState {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly filesDone: number;
  readonly filesTotal: number;
}

/**
 * "12.3 GiB of 30 GiB, 1,204 of 5,000 files" and the percent of bytes (of files when there are
 * no bytes), kept below 100 until the step is done; `counts` are the same as numbers.
 */
export function describeTransfer(state: TransferState): {
  percent: number;
  text: string;
  counts: TransferState;
} {
  const fraction =
    state.bytesTotal > 0
      ? state.bytesDone / state.bytesTotal
      : state.filesTotal > 0
        ? state.filesDone / state.filesTotal
        : 0;
  return {
    percent: Math.min(99, Math.floor(fraction * 100)),
    text: `${describeBytes(state.bytesDone)} of ${describeBytes(state.bytesTotal)}, ${describeCount(state.filesDone)} of ${describeCount(state.filesTotal)} files`,
    counts: {
      bytesDone: state.bytesDone,
      bytesTotal: state.bytesTotal,
      filesDone: state.filesDone,
      filesTotal: state.filesTotal,
    },
  };
}

/** "30 GiB in 4 min 12 s (122 MiB/s)". */
export function describeRate(bytes: number, durationMs: number): string {
  const seconds = Math.max(durationMs / 1000, 0.001);
  return `${describeBytes(bytes)} in ${describeDuration(durationMs)} (${describeBytes(bytes / seconds)}/s)`;
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
