/*
 * The move id of a tape job's step, `<job>.<step>.<attempt>` plus `.retry` for the unload retried
 * after the 53/03 recovery. The scheduler sends it with each move (also the JetStream message id,
 * so a move sent twice within two minutes is one move); the changer's outcome event carries it
 * back, and it names the job, step and attempt the outcome answers.
 */

/** Suffix of the move id of the unload retried after the 53/03 recovery. */
const RETRY_SUFFIX = "retry";

/** What a move id names. */
export interface NamedMove {
  readonly jobId: string;
  readonly step: string;
  readonly attempt: number;
  /** The unload retried after the 53/03 recovery. */
  readonly retry: boolean;
}

/**
 * @example
 * moveIdOf("3fa2b1c0", "unload", 2, true) // "3fa2b1c0.unload.2.retry"
 */
export function moveIdOf(jobId: string, step: string, attempt: number, retry = false): string {
  return `${jobId}.${step}.${attempt}${retry ? `.${RETRY_SUFFIX}` : ""}`;
}

/**
 * The job, step and attempt a move id names, or null for a move the scheduler did not send.
 *
 * @example
 * parseMoveId("3fa2b1c0.load.1") // { jobId: "3fa2b1c0", step: "load", attempt: 1, retry: false }
 */
export function parseMoveId(moveId: string): NamedMove | null {
  const match = /^([0-9a-f]{8})\.([a-z-]+)\.([0-9]+)(?:\.(retry))?$/.exec(moveId);
  if (match === null) return null;
  return {
    jobId: match[1] as string,
    step: match[2] as string,
    attempt: Number(match[3]),
    retry: match[4] !== undefined,
  };
}
