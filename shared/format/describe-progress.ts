import { describeDuration } from "./describe-duration.ts";
import { describeBytes } from "./describe-size.ts";

/** The numbers of a job's progress that people read (a subset of its progress figures). */
export interface ProgressNumbers {
  readonly percent: number | null;
  readonly bytesPerSecond: number | null;
  readonly filesPerSecond: number | null;
  readonly etaSeconds: number | null;
  /** False once the job stopped: then no rate or time left is shown. */
  readonly live: boolean;
}

/**
 * A percentage rounded down (so 100% only when done), as `queue`, `watch` and the status page
 * show it.
 *
 * @example describePercent(41.97) // "41%"
 */
export function describePercent(percent: number): string {
  return `${Math.floor(Math.min(100, Math.max(0, percent)))}%`;
}

/**
 * Percent, rate and time left in one line; empty when the step has no numbers yet.
 *
 * @example
 * describeProgressNumbers({ percent: 41.9, bytesPerSecond: 125_829_120, filesPerSecond: 12,
 *   etaSeconds: 190, live: true }); // "41%, 120 MiB/s, 3 min 10 s left"
 */
export function describeProgressNumbers(figures: ProgressNumbers): string {
  const parts: string[] = [];
  if (figures.percent !== null) parts.push(describePercent(figures.percent));
  if (figures.live) {
    if (figures.bytesPerSecond !== null && figures.bytesPerSecond > 0) {
      parts.push(`${describeBytes(figures.bytesPerSecond)}/s`);
    } else if (figures.filesPerSecond !== null && figures.filesPerSecond > 0) {
      parts.push(`${figures.filesPerSecond} files/s`);
    }
    if (figures.etaSeconds !== null)
      parts.push(`${describeDuration(figures.etaSeconds * 1000)} left`);
  } else if (parts.length > 0) {
    parts.push("stopped");
  }
  return parts.join(", ");
}
