import { describeDuration } from "../../shared/format/index.ts";
import type { CatalogJob, ErrorInfo, NamedMove, StepResult } from "../../shared/messages/index.ts";
import { JOB_STATE_ERROR_CODES } from "../../shared/messages/index.ts";
import {
  CYCLE_STEP,
  findStep,
  type JobPlan,
  type PlannedStep,
  releaseStart,
  stepPosition,
} from "./job-plans.ts";
import { SCHEDULER_ERROR_CODES as CODES } from "./scheduler-errors.ts";
import { type MoveOutcome, stepResultOfMove } from "./tape-moves.ts";

/*
 * The scheduler's decisions: from a job as the catalog has it, its plan and what just happened,
 * the actions that follow, as plain data. No I/O and no clock: `scheduler.ts` carries them out.
 *
 * The saga of a tape job in short: its steps run in plan order (clear, load, mount, the work,
 * unmount, unload); a failure or an abort during mount or the work keeps the error and runs the
 * release steps (unmount, unload) before the job ends; a failure elsewhere ends it at once; an
 * unload refused with 53/03 runs `cycle` (mount, unmount) and the unload once more.
 */

/** What happened to a job. */
export type SchedulerEvent =
  /** The job was claimed (or started on a drive): its first step goes out. */
  | { readonly kind: "started" }
  /**
   * A look found it running; a crash may have left its step unsent. `sentHere`: the step this
   * process sent for the job's current attempt, if any.
   */
  | { readonly kind: "look"; readonly sentHere: string | null }
  /** A worker reported on a step. */
  | { readonly kind: "step-result"; readonly result: StepResult }
  /** A tape move the scheduler asked for ended. */
  | { readonly kind: "move-outcome"; readonly named: NamedMove; readonly outcome: MoveOutcome }
  /** The changer step's move could not be sent, for a reason a retry does not cure. */
  | { readonly kind: "move-refused"; readonly step: string; readonly error: ErrorInfo }
  /** The job cannot run (its tape cannot be told); it was started to be failed. */
  | { readonly kind: "cannot-start"; readonly error: ErrorInfo }
  /**
   * Its worker said nothing for `silentForMs`, longer than the stall timeout. `step`: the step
   * this process sent (null: none since it started); `unsentBecause`: why sending it kept failing.
   */
  | {
      readonly kind: "silent";
      readonly silentForMs: number;
      readonly step: PlannedStep | null;
      readonly unsentBecause?: ErrorInfo | null;
    };

/** What the scheduler does, in order. */
export type Action =
  /** Records the step waited on (`waitingOn`) and the waiting text: first, so a restart resends it. */
  | {
      readonly kind: "record-waiting";
      readonly step: PlannedStep;
      readonly retry: boolean;
      readonly text: string;
    }
  /** Sends the step to its worker, or its tape move to the changer (`retry`: after 53/03). */
  | { readonly kind: "send"; readonly step: PlannedStep; readonly retry: boolean }
  /** Keeps the error with the job (`job-failing`) while its drive is released. */
  | { readonly kind: "keep-error"; readonly step: string; readonly error: ErrorInfo }
  /** Ends the job failed; `folderFailed`: the folder marked failed first. */
  | {
      readonly kind: "fail";
      readonly step: string;
      readonly error: ErrorInfo;
      readonly folderFailed: string | null;
    }
  /** Ends the job aborted; `preparedAgain`: the archive's folder, prepared again, with why. */
  | {
      readonly kind: "abort";
      readonly reason: string | null;
      readonly preparedAgain: { readonly path: string; readonly error: ErrorInfo } | null;
    }
  /** Ends the job done. */
  | { readonly kind: "finish"; readonly summary: string | null }
  /** A log line. */
  | {
      readonly kind: "note";
      readonly level: "info" | "warn";
      readonly message: string;
      readonly fields: Readonly<Record<string, unknown>>;
    }
  /** A place or a drive may have come free: look at the queue again. */
  | { readonly kind: "look" };

export interface Decision {
  /** The job as the catalog has it now (null: the catalog does not know it). */
  readonly job: CatalogJob | null;
  /** Its plan (null: this scheduler cannot run its kind). */
  readonly plan: JobPlan | null;
  readonly event: SchedulerEvent;
}

/** The changer's code for an unload refused with Request Sense 53/03 (medium removal prevented). */
export const REMOVAL_PREVENTED = "MTX_MEDIUM_REMOVAL_PREVENTED";

/** The end of the progress text while the unload is retried after the 53/03 recovery. */
const RETRY_TEXT = ", again after mounting and unmounting the tape";

/** The catalog's refusal to archive a folder whose job was aborted first (job-states.ts). */
const ABORTED_BEFORE_COMMIT = JOB_STATE_ERROR_CODES.abortRequested;

const LOOK: Action = { kind: "look" };

/**
 * The actions that follow `event` for `job`.
 *
 * @example
 * decide({ job, plan: JOB_PLANS.prepare, event: { kind: "started" } })
 * // [{ kind: "record-waiting", step: prepare, ... }, { kind: "send", step: prepare, retry: false }]
 */
export function decide({ job, plan, event }: Decision): Action[] {
  if (event.kind === "step-result") return afterResult(job, plan, event.result);
  if (event.kind === "move-outcome") return afterMove(job, plan, event.named, event.outcome);
  if (job === null) return [];
  switch (event.kind) {
    case "started":
      return plan === null ? [] : sendStep(plan.steps[0]);
    case "look":
      return resume(job, plan, event.sentHere);
    case "move-refused":
      // Asking again would be refused again: the job fails with the reason.
      return [fail(job, plan, event.step, job.pendingError ?? event.error)];
    case "cannot-start":
      return [fail(job, plan, "start", event.error)];
    case "silent":
      return afterSilence(job, plan, event);
  }
}

/**
 * The progress text of a job whose step was sent and not yet picked up. Only for people: what
 * a restarted scheduler resumes from is the job's `waitingOn` column, set with it.
 */
export function waitingText(step: PlannedStep): string {
  return `waiting for the ${step.service} service (step ${step.step})`;
}

function sendStep(step: PlannedStep, retry = false): Action[] {
  const text = retry ? `${waitingText(step)}${RETRY_TEXT}` : waitingText(step);
  return [
    { kind: "record-waiting", step, retry, text },
    { kind: "send", step, retry },
  ];
}

/** A worker's report: the next step, the release, or the end of the job. */
function afterResult(job: CatalogJob | null, plan: JobPlan | null, result: StepResult): Action[] {
  if (job === null || !isCurrent(job, result.attempt)) {
    return [
      note("info", "step result for a job that no longer runs this attempt; ignored", {
        ...aboutResult(result),
        state: job?.state ?? "unknown",
      }),
    ];
  }
  if (movedOn(job, result.step)) {
    // A result handed over again (its ack was lost) after the job moved on: acted upon, it
    // would send the step after it once more, under the step running now.
    return [
      note("info", "step result for a step the job has moved on from; ignored", {
        ...aboutResult(result),
        currentStep: job.currentStep,
      }),
    ];
  }
  const planned = plan === null ? null : findStep(plan, result.step);
  if (plan === null || planned === null) {
    const error: ErrorInfo = {
      code: CODES.unknownStep,
      message: `The ${result.worker} reported a step "${result.step}" that a ${job.kind} job does not have.`,
      hint: "Check that every pytarchive service runs the same version, then requeue the job.",
    };
    return [fail(job, plan, result.step, error), LOOK];
  }
  const said =
    result.outcome === "done"
      ? [note("info", "step done", { ...aboutResult(result), summary: result.summary })]
      : [];
  return [...said, ...afterStep(job, plan, planned, result)];
}

function afterStep(
  job: CatalogJob,
  plan: JobPlan,
  planned: PlannedStep,
  result: StepResult,
): Action[] {
  if (planned.step === CYCLE_STEP.step) return [...afterCycle(job, plan, result), LOOK];
  if (result.outcome === "done") return [...afterDone(job, plan, planned, result), LOOK];
  if (plan.needsDrive && (planned.phase === "work" || planned.step === "mount")) {
    // The tape may be mounted: release the drive, then end failed or aborted (no look: the
    // drive is still taken). A step the catalog refused because the job was aborted first ends
    // aborted, not failed; a step stopped although nobody asked ends failed.
    if (result.outcome === "failed") {
      return release(plan, result.step, abortedFirst(job, result) ? null : errorOf(result));
    }
    return release(plan, result.step, job.abortRequested ? null : stepStopped(job, result));
  }
  if (result.outcome === "failed") {
    return [
      fail(job, plan, result.step, withEarlierError(errorOf(result), job.pendingError)),
      LOOK,
    ];
  }
  if (job.abortRequested) return [abort(job), LOOK];
  return [fail(job, plan, result.step, stepStopped(job, result)), LOOK];
}

function afterDone(
  job: CatalogJob,
  plan: JobPlan,
  planned: PlannedStep,
  result: StepResult,
): Action[] {
  const next = stepPosition(plan, planned.step)?.next ?? null;
  if (next === null) return afterLastStep(job, plan, result);
  if (job.abortRequested && next.phase !== "release" && plan.needsDrive) {
    // Aborted between steps: nothing more on the tape; release what was taken.
    return planned.step === "clear" ? [abort(job)] : release(plan, planned.step, null);
  }
  return sendStep(next);
}

/** The last step of a job is done: it ends done, failed (its kept error) or aborted. */
function afterLastStep(job: CatalogJob, plan: JobPlan, result: StepResult): Action[] {
  if (job.pendingError !== null) return [fail(job, plan, result.step, job.pendingError)];
  // A committed job (e.g. its folder is archived) ends done: an abort then came too late.
  if (job.abortRequested && !isCommitted(job)) return [abort(job)];
  return [{ kind: "finish", summary: result.summary ?? null }];
}

/**
 * A tape job whose work failed (or was aborted) still releases its drive: the error is kept
 * with the job and the release steps run; the job ends when the tape is home.
 */
function release(plan: JobPlan, step: string, error: ErrorInfo | null): Action[] {
  const first = releaseStart(plan);
  if (first === null) return [];
  const kept: Action[] = error === null ? [] : [{ kind: "keep-error", step, error }];
  return [...kept, ...sendStep(first)];
}

/** A move ended: as the result of its step, except an unload refused with 53/03 (recovered). */
function afterMove(
  job: CatalogJob | null,
  plan: JobPlan | null,
  named: NamedMove,
  outcome: MoveOutcome,
): Action[] {
  const result = stepResultOfMove(named, outcome);
  const removalPrevented =
    "failed" in outcome &&
    named.step === "unload" &&
    !named.retry &&
    outcome.failed.error.code === REMOVAL_PREVENTED;
  if (
    !removalPrevented ||
    job === null ||
    !isCurrent(job, named.attempt) ||
    movedOn(job, named.step)
  ) {
    return afterResult(job, plan, result);
  }
  return [
    note(
      "warn",
      "the drive would not release the tape (53/03): mounting and unmounting it, then unloading once more",
      { jobId: job.id, drive: outcome.failed.drive, barcode: outcome.failed.barcode },
    ),
    ...sendStep(CYCLE_STEP),
  ];
}

/** The 53/03 recovery's mount and unmount ended: unload once more, or give up. */
function afterCycle(job: CatalogJob, plan: JobPlan, result: StepResult): Action[] {
  if (result.outcome !== "done") {
    return [fail(job, plan, result.step, job.pendingError ?? errorOf(result))];
  }
  const unload = findStep(plan, "unload");
  return unload === null ? [] : sendStep(unload, true);
}

/** A running job whose step may never have been sent (a crash): exactly that step again. */
function resume(job: CatalogJob, plan: JobPlan | null, sentHere: string | null): Action[] {
  if (plan === null) return [];
  const waitingOn = job.waitingOn ?? null;
  // No step waited on, yet progress: a worker took its step up (JetStream redelivers it).
  if (waitingOn === null && job.progress !== null) return [];
  const step = (waitingOn === null ? null : findStep(plan, waitingOn)) ?? plan.steps[0];
  if (sentHere === step.step) return [];
  const said = note(
    "info",
    "sending the step of a running job again: it may never have been sent",
    { jobId: job.id, step: step.step, attempt: job.attempts },
  );
  // The unload retried after the 53/03 recovery is resent as that retry; its waiting is recorded.
  if (job.waitingRetry === true) return [said, { kind: "send", step, retry: true }];
  return [said, ...sendStep(step)];
}

/** Its worker went silent: fail the job (release a tape job's drive first), or end the abort. */
function afterSilence(
  job: CatalogJob,
  plan: JobPlan | null,
  event: Extract<SchedulerEvent, { kind: "silent" }>,
): Action[] {
  const step = event.step ?? stepInCatalog(job, plan);
  const who = step === null ? "its worker" : `the ${step.service} service`;
  const silence = describeDuration(event.silentForMs);
  if (job.abortRequested) {
    return [
      abort(
        job,
        `aborted by the operator; ${who} had said nothing about it for ${silence}, so nothing was left to stop`,
      ),
    ];
  }
  const unsent = event.unsentBecause ?? null;
  const error =
    unsent !== null && step !== null
      ? neverSent(job, step, silence, unsent)
      : workerSilent(job, step, silence);
  // A step the catalog cannot name is a worker's (mount, the work, unmount): the tape may be
  // mounted, so the drive is released as after any failure during the work.
  const duringWork = step === null ? plan?.needsDrive === true : step.phase === "work";
  if (plan?.needsDrive && duringWork && job.pendingError === null) {
    return release(plan, step?.step ?? "work", error);
  }
  return [fail(job, plan, step?.step ?? "start", job.pendingError ?? error)];
}

/**
 * The step a job is in as the catalog knows it, for a job this process sent nothing for (first
 * seen after a restart): the step waited on; the first step when none was ever recorded (the
 * same rule as resuming); the only step of a one-step plan. Null when a worker took up a step
 * the catalog does not name.
 */
function stepInCatalog(job: CatalogJob, plan: JobPlan | null): PlannedStep | null {
  if (plan === null) return null;
  const waitingOn = job.waitingOn ?? null;
  if (waitingOn !== null) return findStep(plan, waitingOn);
  if (job.progress === null || plan.steps.length === 1) return plan.steps[0];
  return null;
}

function workerSilent(job: CatalogJob, step: PlannedStep | null, silence: string): ErrorInfo {
  if (step === null) {
    return {
      code: CODES.workerSilent,
      message: `The worker of job ${job.id} has said nothing for ${silence}: it is not running, or it hangs.`,
      hint: `Check that every pytarchive service runs (\`npm start\` runs them all), then \`pytarchive requeue ${job.id}\`.`,
    };
  }
  const { service } = step;
  return {
    code: CODES.workerSilent,
    message: `The ${service} service has said nothing about job ${job.id} for ${silence}: it is not running, or it hangs.`,
    hint: `Start it (\`npm start\` runs every service; alone: \`npx tsx services/runner/main.ts --only ${service}\`), then \`pytarchive requeue ${job.id}\`.`,
  };
}

/** A step whose sending was refused (transiently) until the stall timeout: that refusal, told. */
function neverSent(
  job: CatalogJob,
  step: PlannedStep,
  silence: string,
  refusal: ErrorInfo,
): ErrorInfo {
  const requeue = `\`pytarchive requeue ${job.id}\``;
  return {
    code: refusal.code,
    message: `Step ${step.step} of job ${job.id} could not be sent for ${silence}: ${refusal.message}`,
    hint:
      refusal.hint === undefined
        ? `Once that is mended: ${requeue}.`
        : `${refusal.hint} Then ${requeue}.`,
  };
}

function fail(job: CatalogJob, plan: JobPlan | null, step: string, error: ErrorInfo): Action {
  const folder = job.args.folder;
  const folderFailed = plan?.marksFolderFailed && typeof folder === "string" ? folder : null;
  return { kind: "fail", step, error, folderFailed };
}

function abort(job: CatalogJob, reason: string | null = null): Action {
  const folder = job.args.folder;
  if (job.kind !== "archive" || typeof folder !== "string") {
    return { kind: "abort", reason, preparedAgain: null };
  }
  // Not archived, and no longer being archived: the folder is prepared again, as before.
  const error: ErrorInfo = {
    code: "ARCHIVE_ABORTED",
    message: `Archiving ${folder} was aborted (job ${job.id}); it is not archived and stays prepared.`,
    hint: `Archive it again when wanted: \`pytarchive archive ${folder} TAPE\`.`,
  };
  return { kind: "abort", reason, preparedAgain: { path: folder, error } };
}

function note(
  level: "info" | "warn",
  message: string,
  fields: Readonly<Record<string, unknown>>,
): Action {
  return { kind: "note", level, message, fields };
}

function aboutResult(result: StepResult): Record<string, unknown> {
  const { jobId, step, attempt, outcome, worker } = result;
  return { jobId, step, attempt, outcome, worker };
}

/** The job still runs the attempt a result or a move outcome answers. */
function isCurrent(job: CatalogJob, attempt: number): boolean {
  return job.state === "running" && job.attempts === attempt;
}

/** The scheduler has sent another step of the job since `step` (null before the first: no). */
function movedOn(job: CatalogJob, step: string): boolean {
  const current = job.currentStep ?? null;
  return current !== null && current !== step;
}

/** When the job's result became permanent (an archive: its folder archived). */
export function isCommitted(job: CatalogJob): boolean {
  return (job.committedAt ?? null) !== null;
}

function stepStopped(job: CatalogJob, result: StepResult): ErrorInfo {
  return {
    code: CODES.stepStopped,
    message: `The ${result.worker} stopped step ${result.step} of job ${job.id} although nobody asked to abort it.`,
    hint: `Requeue it: \`pytarchive requeue ${job.id}\`.`,
  };
}

/**
 * A release step's error, saying what failed before it: both matter to the operator (the tape is
 * still in the drive, and the job had failed already).
 */
function withEarlierError(error: ErrorInfo, earlier: ErrorInfo | null): ErrorInfo {
  if (earlier === null) return error;
  return {
    ...error,
    message: `${error.message} (Before that, the job had failed: ${earlier.message})`,
  };
}

/** The step failed only because the catalog refused to commit a job that was aborted first. */
function abortedFirst(job: CatalogJob, result: StepResult): boolean {
  return job.abortRequested && result.error?.code === ABORTED_BEFORE_COMMIT;
}

function errorOf(result: StepResult): ErrorInfo {
  return (
    result.error ?? {
      code: "STEP_FAILED",
      message: `Step ${result.step} failed without saying why (${result.worker}).`,
    }
  );
}
