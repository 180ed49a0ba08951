/** How long a service process waits before it is started again after dying. */
export interface BackoffOptions {
  /** The first wait. Default 1 s. */
  readonly initialMs: number;
  /** The longest wait. Default 60 s. */
  readonly maxMs: number;
  /** A process that ran at least this long before dying starts from `initialMs` again. Default 5 min. */
  readonly stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1_000,
  maxMs: 60_000,
  stableMs: 5 * 60_000,
};

/**
 * The wait before the next start: `initialMs` after a first death or one that followed a stable
 * run, else twice the previous wait, at most `maxMs`. A process that dies again and again (a
 * broken drive, a full disk) is retried less and less often without flooding the log, and one that
 * died once after days of work comes back at once.
 *
 * @example
 * nextBackoffMs(null, 2_000, DEFAULT_BACKOFF);   // 1000: the first restart
 * nextBackoffMs(1_000, 2_000, DEFAULT_BACKOFF);  // 2000: it died again soon
 * nextBackoffMs(60_000, 600_000, DEFAULT_BACKOFF); // 1000: it had run 10 minutes
 */
export function nextBackoffMs(
  previousMs: number | null,
  ranForMs: number,
  options: BackoffOptions,
): number {
  if (previousMs === null || ranForMs >= options.stableMs) return options.initialMs;
  return Math.min(previousMs * 2, options.maxMs);
}
