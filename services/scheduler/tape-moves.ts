import { PytarchiveError } from "../../shared/errors/index.ts";
import type {
  CatalogJob,
  MoveDone,
  MoveFailed,
  MoveRequest,
  StepResult,
} from "../../shared/messages/index.ts";
import { moveIdOf, type NamedMove } from "../../shared/messages/index.ts";

/*
 * The tape moves of a tape job's changer steps, as plain data: `clear` unloads another tape left
 * idle in the job's drive, `load` brings the job's tape, `unload` takes it home — unless a queued
 * job wants the same tape next (batching), which then starts on this drive without a robot move:
 * its `clear` finds the tape there, and its `load` is done without asking the changer.
 */

/** A move's outcome as the changer published it. */
export type MoveOutcome = { done: MoveDone } | { failed: MoveFailed };

/** What the drive holds, as the changer last read it (null: the changer does not list it). */
export interface HeldTape {
  readonly full: boolean;
  readonly barcode: string | null;
}

/** What to do for a changer step: ask the changer for a move, or nothing (the step is done). */
export type TapeMove =
  | { readonly kind: "move"; readonly move: MoveRequest }
  | { readonly kind: "no-move"; readonly summary: string };

/** What a changer step needs to know besides the job. */
export interface MoveFacts {
  readonly step: string;
  /** The tape the job needs. */
  readonly tape: string;
  /** The unload retried after the 53/03 recovery. */
  readonly retry: boolean;
  /**
   * `clear`: what the job's drive holds. `load`: what `clear` found in it for this attempt (the
   * drive is the job's since, so only this job's moves change it), or null when not known.
   */
  readonly held?: HeldTape | null;
  /** `unload`: a queued job that needs the same tape, when {@link mayKeepTape} allowed asking. */
  readonly nextJob?: string | null;
}

/**
 * Whether an unload may leave the tape in the drive for the next job: not the retry after the
 * 53/03 recovery, and not for a job that failed or was aborted (its drive is released for real).
 */
export function mayKeepTape(job: CatalogJob, retry: boolean): boolean {
  return !retry && job.pendingError === null && !job.abortRequested;
}

/**
 * The move (or no move) of changer step `facts.step` of a running tape job.
 *
 * @example
 * tapeMove(job, { step: "load", tape: "AAA001L9", retry: false })
 * // { kind: "move", move: { moveId: "3fa2b1c0.load.1", jobId, kind: "load", barcode: "AAA001L9", drive: 0 } }
 */
export function tapeMove(job: CatalogJob, facts: MoveFacts): TapeMove {
  const drive = driveOf(job);
  const { tape, retry } = facts;
  const moveId = moveIdOf(job.id, facts.step, job.attempts, retry);
  if (facts.step === "clear") {
    const held = facts.held ?? null;
    if (held === null || !held.full || held.barcode === tape) {
      return { kind: "no-move", summary: `drive ${drive} is ready for tape ${tape}` };
    }
    if (held.barcode === null) {
      throw new PytarchiveError(
        "DRIVE_HOLDS_UNLABELLED_TAPE",
        `Drive ${drive} holds a tape without a readable barcode, so pytarchive cannot take it home.`,
        { hint: "Unload it by hand (mtx unload), then `pytarchive requeue` the job." },
      );
    }
    return {
      kind: "move",
      move: { moveId, jobId: job.id, kind: "unload", barcode: held.barcode, drive },
    };
  }
  if (facts.step === "load") {
    // The tape a batched job's predecessor left: no robot trip, nor a changer round trip.
    if (facts.held?.full === true && facts.held.barcode === tape) {
      return { kind: "no-move", summary: `tape ${tape} is already in drive ${drive}` };
    }
    return { kind: "move", move: { moveId, jobId: job.id, kind: "load", barcode: tape, drive } };
  }
  const next = mayKeepTape(job, retry) ? (facts.nextJob ?? null) : null;
  if (next !== null) {
    return { kind: "no-move", summary: `tape ${tape} stays in drive ${drive} for job ${next}` };
  }
  return {
    kind: "move",
    move: {
      moveId,
      jobId: job.id,
      kind: "unload",
      barcode: tape,
      drive,
      ...(retry ? { blockDriveIfRefused: true } : {}),
    },
  };
}

/** The drive of a running tape job; a job without one cannot have a tape moved for it. */
export function driveOf(job: CatalogJob): number {
  if (job.drive === null) throw noDriveError(job);
  return job.drive;
}

/** Why a tape move cannot be sent for `job`: it has no drive, or this scheduler no changer. */
export function noDriveError(job: CatalogJob): PytarchiveError {
  return new PytarchiveError(
    "JOB_HAS_NO_DRIVE",
    `Job ${job.id} needs a tape move but has no drive or no changer.`,
  );
}

/** A move's outcome as the result of the step that asked for it. */
export function stepResultOfMove(named: NamedMove, outcome: MoveOutcome): StepResult {
  const event = "done" in outcome ? outcome.done : outcome.failed;
  const base = {
    jobId: named.jobId,
    step: named.step,
    attempt: named.attempt,
    worker: `changer (move ${event.moveId})`,
    at: event.at,
  };
  if ("failed" in outcome) return { ...base, outcome: "failed", error: outcome.failed.error };
  const done = outcome.done;
  const where = done.to.kind === "drive" ? `drive ${done.to.drive}` : `slot ${done.to.slot}`;
  return {
    ...base,
    outcome: "done",
    summary: `${done.alreadyInPlace ? "already in" : "moved to"} ${where}: tape ${done.barcode}`,
  };
}
