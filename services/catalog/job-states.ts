import { PytarchiveError } from "../../shared/errors/index.ts";
import { JOB_STATE_ERROR_CODES } from "../../shared/messages/index.ts";

/*
 * The job state machine, in one place: every state a job can be in, every change the catalog
 * may make to it, and what an abort does at each point. The catalog's repositories ask here
 * before they change a job's state, so a change that is not listed is refused everywhere alike.
 *
 * Besides its state, a running job records as data (columns, not progress text):
 * - `waitingOn`: the step the scheduler sent and no worker has taken up yet (with
 *   `waitingRetry` for the unload retried after the 53/03 recovery). A restarted scheduler
 *   sends exactly that step again.
 * - `committedAt`: when its result became permanent (an archive: its folder was read back and
 *   recorded as archived). From then on the job can only end `done` (a later step's failure is
 *   kept as a warning), an abort is too late, and neither a requeue nor a restart clears it.
 */

export const JOB_STATES = ["queued", "running", "failed", "done", "aborted"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job ends in; it leaves the queue and stays as history. */
export const FINISHED_JOB_STATES = [
  "done",
  "failed",
  "aborted",
] as const satisfies readonly JobState[];

/**
 * Every change of a job's state, by the name the catalog uses for it. `failed` is not final: a
 * failed job may be requeued or aborted, so it is listed both as finished (history) and as a
 * source of changes.
 */
export const JOB_TRANSITIONS = {
  /** The scheduler takes a queued job (claim, or start on a drive). */
  start: { action: "start", from: ["queued"], to: "running" },
  /** The last step is done (or the job committed and the rest ran). */
  finish: { action: "mark done", from: ["running"], to: "done" },
  /** A step failed, or the job could not start. */
  fail: { action: "mark failed", from: ["queued", "running"], to: "failed" },
  /** `pytarchive abort` of a job that does not run: it ends at once. */
  abort: { action: "abort", from: ["queued", "failed"], to: "aborted" },
  /** A running job asked to stop has stopped and released what it held. */
  "abort-ack": { action: "mark aborted", from: ["running"], to: "aborted" },
  /** `pytarchive requeue`: a failed job goes back to its old place in the queue. */
  requeue: { action: "requeue", from: ["failed"], to: "queued" },
} as const satisfies Record<string, { action: string; from: readonly JobState[]; to: JobState }>;

export type JobTransition = keyof typeof JOB_TRANSITIONS;

/** The transition that takes a job from `from` to `to`, or null when none may. */
export function transitionBetween(from: JobState, to: JobState): JobTransition | null {
  for (const [name, rule] of Object.entries(JOB_TRANSITIONS)) {
    if (rule.to === to && (rule.from as readonly JobState[]).includes(from)) {
      return name as JobTransition;
    }
  }
  return null;
}

/** Whether a job in state `from` may go to state `to`. */
export function canTransition(from: JobState, to: JobState): boolean {
  return transitionBetween(from, to) !== null;
}

/** The states `transition` starts from. */
export function sourcesOf(transition: JobTransition): readonly JobState[] {
  return JOB_TRANSITIONS[transition].from;
}

/** The state `transition` ends in. */
export function targetOf(transition: JobTransition): JobState {
  return JOB_TRANSITIONS[transition].to;
}

/** Whether a job in `state` has ended (it is listed by `history`, not as running or queued). */
export function isFinished(state: JobState): boolean {
  return (FINISHED_JOB_STATES as readonly JobState[]).includes(state);
}

/** The error codes of refused job changes (shared: the scheduler acts on them). */
export const JOB_STATE_CODES = JOB_STATE_ERROR_CODES;

/**
 * Refuses (JOB_STATE_CONFLICT) `transition` for a job in `state`, naming what is allowed.
 *
 * @example
 * checkTransition({ id: "3fa2b1c0", state: "done" }, "requeue"); // throws: only a failed job can be
 */
export function checkTransition(
  job: { readonly id: string; readonly state: JobState },
  transition: JobTransition,
): void {
  const from = sourcesOf(transition);
  if (from.includes(job.state)) return;
  throw new PytarchiveError(
    JOB_STATE_CODES.conflict,
    `Cannot ${JOB_TRANSITIONS[transition].action} job ${job.id}: it is ${job.state}, and only a ${from.join(" or ")} job can be.`,
    { hint: "Run `pytarchive queue` (or `pytarchive history`) to see the job's current state." },
  );
}

/** What `pytarchive abort` does to a job, by its state and whether it committed. */
export type AbortDecision = "abort-now" | "ask-to-stop" | "too-late" | "finished";

/**
 * A finished job cannot be aborted. A job whose result is permanent (committed) cannot be either,
 * whatever it does now (running, requeued, or failed before the failure was taken as a warning):
 * the abort is too late, and the job ends done. Otherwise queued and failed jobs are aborted at
 * once, and a running one is asked to stop.
 */
export function abortDecision(job: {
  readonly state: JobState;
  readonly committedAt: Date | string | null;
}): AbortDecision {
  if (isFinished(job.state) && job.state !== "failed") return "finished";
  if ((job.committedAt ?? null) !== null) return "too-late";
  return job.state === "running" ? "ask-to-stop" : "abort-now";
}
