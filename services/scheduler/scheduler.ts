import { PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { CatalogJob } from "../../shared/messages/catalog-requests.ts";
import type { MoveDone, MoveFailed, MoveRequest } from "../../shared/messages/changer-moves.ts";
import type { ErrorInfo, JobKind, WorkItem } from "../../shared/messages/index.ts";
import { JOB_STATE_ERROR_CODES } from "../../shared/messages/job-outcome-codes.ts";
import type { StepResult } from "../../shared/messages/job-steps.ts";
import type { CatalogClient } from "../../shared/nats/catalog-client.ts";
import { errorInfoOf } from "../../shared/nats/index.ts";
import type { ChangerLink } from "./changer-link.ts";
import {
  CHANGER,
  CYCLE_STEP,
  findStep,
  type JobPlan,
  type PlannedStep,
  planOf,
  releaseStart,
  stepPosition,
} from "./job-plans.ts";
import { pickDrives, type WaitingTapeJob } from "./pick-drives.ts";
import { SCHEDULER_ERROR_CODES as CODES } from "./scheduler-errors.ts";

export interface SchedulerDependencies {
  readonly catalog: CatalogClient;
  /** Publishes one step to the work queue of the service that does it. */
  readonly dispatch: (service: string, item: WorkItem) => Promise<void>;
  readonly log: Logger;
  /** Kinds this scheduler runs; kinds without a plan are ignored. */
  readonly kinds: readonly JobKind[];
  /** How many jobs that need no drive run at once (`[Compression] concurrency`). */
  readonly driveFreeConcurrency: number;
  /** A running job whose worker has said nothing for this long is failed (or aborted). */
  readonly stallTimeoutMs: number;
  /** Who claims, for the `job.started` events: "scheduler@host:pid". */
  readonly worker: string;
  readonly now?: () => number;
  /** The changer, for tape jobs; without it tape jobs stay queued. */
  readonly changer?: ChangerLink;
  /** Element numbers of the configured drives (`[Drive <n>]`). */
  readonly drives?: readonly number[];
  /** The tape a job needs (its argument, or its folder's tape in the catalog). */
  readonly tapeOf?: (job: CatalogJob) => Promise<string>;
}

export interface Scheduler {
  /**
   * Looks at the queue: resumes steps a crash left unsent, ends jobs whose worker went silent,
   * and starts queued jobs while there is room. Calls while a look runs are folded into one
   * more look; the promise resolves when the queue has been looked at.
   */
  poke(): Promise<void>;
  /** Advances, finishes, fails or ends as aborted the job a worker reported on. */
  handleResult(result: StepResult): Promise<void>;
  /** A tape move this scheduler asked for ended (a `move.done` or `move.failed` event). */
  handleMoveOutcome(outcome: MoveOutcome): Promise<void>;
  /** A running job showed signs of life (its worker reported progress). */
  noteActivity(jobId: string): void;
  /** Takes no more looks; resolves when the one running (if any) is over. */
  close(): Promise<void>;
}

/** A move's outcome as the changer published it. */
export type MoveOutcome = { done: MoveDone } | { failed: MoveFailed };

/** The changer's code for an unload refused with Request Sense 53/03 (medium removal prevented). */
const REMOVAL_PREVENTED = "MTX_MEDIUM_REMOVAL_PREVENTED";

/** The end of the progress text while the unload is retried after the 53/03 recovery. */
const RETRY_TEXT = ", again after mounting and unmounting the tape";

/** The catalog's refusal to archive a folder whose job was aborted first (job-states.ts). */
const ABORTED_BEFORE_COMMIT = JOB_STATE_ERROR_CODES.abortRequested;

/** Suffix of the move id of the unload retried after the 53/03 recovery. */
const RETRY_SUFFIX = "retry";

/**
 * The move id of a tape job's step: `<job>.<step>.<attempt>`, plus `.retry` for the unload
 * retried after recovery; the outcome event carries it back.
 */
export function moveIdOf(jobId: string, step: string, attempt: number, retry = false): string {
  return `${jobId}.${step}.${attempt}${retry ? `.${RETRY_SUFFIX}` : ""}`;
}

/** The job, step and attempt a move id names, or null for a move this scheduler did not send. */
export function parseMoveId(
  moveId: string,
): { jobId: string; step: string; attempt: number; retry: boolean } | null {
  const match = /^([0-9a-f]{8})\.([a-z-]+)\.([0-9]+)(?:\.(retry))?$/.exec(moveId);
  if (match === null) return null;
  return {
    jobId: match[1] as string,
    step: match[2] as string,
    attempt: Number(match[3]),
    retry: match[4] !== undefined,
  };
}

/**
 * The progress text of a job whose step was sent and not yet picked up. Only for people: what
 * a restarted scheduler resumes from is the job's `waitingOn` column, set with it.
 */
export function waitingText(step: PlannedStep): string {
  return `waiting for the ${step.service} service (step ${step.step})`;
}

/**
 * The scheduler's decisions, with the catalog and the work queues behind plain functions so
 * tests can run it without NATS. The catalog is the truth: every look starts from its queue,
 * and events only make the scheduler look sooner.
 *
 * @example
 * const scheduler = createScheduler({ catalog, dispatch, log, kinds: ["prepare"],
 *   driveFreeConcurrency: 1, stallTimeoutMs: 300_000, worker: "scheduler@host:42" });
 * await scheduler.poke();
 */
export function createScheduler(deps: SchedulerDependencies): Scheduler {
  const { catalog, log } = deps;
  const now = deps.now ?? Date.now;
  const runnable = deps.kinds.filter((kind) => planOf(kind) !== null);
  const driveFree = runnable.filter((kind) => planOf(kind)?.needsDrive === false);
  const changer = deps.changer ?? null;
  const tapeKinds =
    changer === null ? [] : runnable.filter((kind) => planOf(kind)?.needsDrive === true);
  /** The tape each tape job needs, once looked up (a job's tape does not change). */
  const tapes = new Map<string, string>();
  /** When each running job last showed signs of life (first seen, step sent, progress). */
  const lastActivity = new Map<string, number>();
  /** The step in flight of each job this process sent one for. */
  const currentStep = new Map<string, PlannedStep>();
  /** `<attempt>.<step>` this process sent for each job, so a look does not send it twice. */
  const sent = new Map<string, string>();
  let looking: Promise<void> | null = null;
  let lookAgain = false;
  let closed = false;

  const sentKey = (job: CatalogJob, step: PlannedStep) => `${job.attempts}.${step.step}`;

  const forget = (jobId: string) => {
    lastActivity.delete(jobId);
    currentStep.delete(jobId);
    sent.delete(jobId);
    tapes.delete(jobId);
  };

  const tapeOf = async (job: CatalogJob): Promise<string> => {
    const known = tapes.get(job.id);
    if (known !== undefined) return known;
    if (deps.tapeOf === undefined) throw new Error("no tapeOf given for tape jobs");
    const tape = await deps.tapeOf(job);
    tapes.set(job.id, tape);
    return tape;
  };

  const sendStep = async (job: CatalogJob, step: PlannedStep): Promise<void> => {
    lastActivity.set(job.id, now());
    currentStep.set(job.id, step);
    // The step waited on is recorded first: a crash after it and before the publish is resumed
    // by a restart, which sends exactly this step again.
    await catalog.call("job-progress", {
      id: job.id,
      attempt: job.attempts,
      step: step.step,
      text: waitingText(step),
      waitingOn: step.step,
    });
    if (step.service === CHANGER) {
      try {
        await sendMove(job, step);
      } catch (error) {
        if (!isFinalRefusal(error)) throw error;
        // Asking again would be refused again: the job fails with the reason.
        await failJob(job, planOf(job.kind), step.step, job.pendingError ?? errorInfoOf(error));
        return;
      }
    } else {
      await deps.dispatch(step.service, { jobId: job.id, step: step.step, attempt: job.attempts });
    }
    sent.set(job.id, sentKey(job, step));
    log.info("step sent", {
      jobId: job.id,
      kind: job.kind,
      step: step.step,
      service: step.service,
      attempt: job.attempts,
    });
  };

  /** Runs `work` after the current call returns; a failure is logged (the next look retries). */
  const settle = (work: Promise<unknown>) => {
    work.catch((error: unknown) => log.warn("could not advance a tape job", { error }));
  };

  /** A step the scheduler decided needs no move: it is done, as if the changer had said so. */
  const doneWithoutMove = (job: CatalogJob, step: PlannedStep, summary: string) =>
    handleResult({
      jobId: job.id,
      step: step.step,
      attempt: job.attempts,
      outcome: "done",
      summary,
      worker: deps.worker,
      at: new Date(now()).toISOString(),
    });

  /**
   * The changer steps of a tape job: `clear` unloads another tape idle in the job's drive,
   * `load` brings the job's tape, `unload` takes it home — unless a queued job wants the same
   * tape next, which then starts on this drive without a robot move.
   */
  const sendMove = async (job: CatalogJob, step: PlannedStep, retry = false): Promise<void> => {
    if (changer === null || job.drive === null) {
      throw new PytarchiveError(
        "JOB_HAS_NO_DRIVE",
        `Job ${job.id} needs a tape move but has no drive or no changer.`,
      );
    }
    const drive = job.drive;
    const tape = await tapeOf(job);
    const moveId = moveIdOf(job.id, step.step, job.attempts, retry);
    let move: MoveRequest;
    if (step.step === "clear") {
      const held = (await changer.status()).drives.find((d) => d.index === drive);
      if (held === undefined || !held.full || held.barcode === tape) {
        settle(doneWithoutMove(job, step, `drive ${drive} is ready for tape ${tape}`));
        return;
      }
      if (held.barcode === null) {
        throw new PytarchiveError(
          "DRIVE_HOLDS_UNLABELLED_TAPE",
          `Drive ${drive} holds a tape without a readable barcode, so pytarchive cannot take it home.`,
          { hint: "Unload it by hand (mtx unload), then `pytarchive requeue` the job." },
        );
      }
      move = { moveId, jobId: job.id, kind: "unload", barcode: held.barcode, drive };
    } else if (step.step === "load") {
      move = { moveId, jobId: job.id, kind: "load", barcode: tape, drive };
    } else {
      const keep = !retry && job.pendingError === null && !job.abortRequested;
      const next = keep ? await nextJobFor(tape, job.id) : null;
      if (next !== null) {
        settle(doneWithoutMove(job, step, `tape ${tape} stays in drive ${drive} for job ${next}`));
        return;
      }
      move = {
        moveId,
        jobId: job.id,
        kind: "unload",
        barcode: tape,
        drive,
        ...(retry ? { blockDriveIfRefused: true } : {}),
      };
    }
    await changer.move(move);
  };

  /** A queued job that needs `tape` (other than `jobId`), or null. */
  const nextJobFor = async (tape: string, jobId: string): Promise<string | null> => {
    const { queued } = await catalog.call("queue", {});
    for (const candidate of queued) {
      if (candidate.id === jobId || !tapeKinds.includes(candidate.kind)) continue;
      try {
        if ((await tapeOf(candidate)) === tape) return candidate.id;
      } catch {
        // Its tape cannot be told now; it fails when it starts.
      }
    }
    return null;
  };

  /** Ends a job, unless someone ended it meanwhile (then there is nothing left to do). */
  const endJob = async (jobId: string, what: string, end: () => Promise<unknown>) => {
    try {
      await end();
    } catch (error) {
      if (
        error instanceof PytarchiveError &&
        (error.code === "JOB_STATE_CONFLICT" || error.code === "UNKNOWN_JOB")
      ) {
        log.info(`could not ${what}: it changed meanwhile`, { jobId, reason: error.message });
        return;
      }
      throw error;
    } finally {
      forget(jobId);
    }
  };

  const failJob = async (job: CatalogJob, plan: JobPlan | null, step: string, error: ErrorInfo) => {
    const folder = job.args.folder;
    if (plan?.marksFolderFailed && typeof folder === "string") {
      await catalog.call("folder-failed", { jobId: job.id, path: folder, error });
    }
    await endJob(job.id, "fail the job", () =>
      catalog.call("job-fail", { id: job.id, attempt: job.attempts, step, error }),
    );
    // A committed job (its folder archived) fails too, its error saying first that it stands.
    const committed = (job.committedAt ?? null) !== null;
    log.warn(committed ? "job failed after its commit: its result stands" : "job failed", {
      jobId: job.id,
      kind: job.kind,
      step,
      code: error.code,
    });
  };

  const acknowledgeAbort = async (job: CatalogJob, reason?: string) => {
    const folder = job.args.folder;
    if (job.kind === "archive" && typeof folder === "string") {
      // Not archived, and no longer being archived: the folder is prepared again, as before.
      await catalog.call("folder-failed", {
        jobId: job.id,
        path: folder,
        error: {
          code: "ARCHIVE_ABORTED",
          message: `Archiving ${folder} was aborted (job ${job.id}); it is not archived and stays prepared.`,
          hint: `Archive it again when wanted: \`pytarchive archive ${folder} TAPE\`.`,
        },
      });
    }
    await endJob(job.id, "mark the job aborted", () =>
      catalog.call("job-abort-ack", {
        id: job.id,
        attempt: job.attempts,
        ...(reason === undefined ? {} : { reason }),
      }),
    );
    log.info("job aborted", { jobId: job.id, kind: job.kind });
  };

  /** Running jobs of ours whose step this process has not sent and no worker took up. */
  const resumeUnsent = async (running: readonly CatalogJob[]) => {
    for (const job of running) {
      const plan = runnable.includes(job.kind) ? planOf(job.kind) : null;
      if (plan === null) continue;
      if (plan.needsDrive && changer === null) continue;
      const waitingOn = job.waitingOn ?? null;
      // No step waited on, yet progress: a worker took its step up (JetStream redelivers it).
      if (waitingOn === null && job.progress !== null) continue;
      const step = (waitingOn === null ? null : findStep(plan, waitingOn)) ?? plan.steps[0];
      if (sent.get(job.id) === sentKey(job, step)) continue;
      log.info("sending the step of a running job again: it may never have been sent", {
        jobId: job.id,
        step: step.step,
        attempt: job.attempts,
      });
      const retry = job.waitingRetry === true;
      if (retry) {
        await sendMove(job, step, true);
        sent.set(job.id, sentKey(job, step));
      } else {
        await sendStep(job, step);
      }
    }
  };

  /** Fails (or, when an abort was asked for, aborts) running jobs whose worker went silent. */
  const endSilent = async (running: readonly CatalogJob[]) => {
    const ours = running.filter((job) => runnable.includes(job.kind));
    const ids = new Set(ours.map((job) => job.id));
    for (const jobId of [...lastActivity.keys()]) if (!ids.has(jobId)) forget(jobId);
    for (const job of ours) {
      const last = lastActivity.get(job.id);
      if (last === undefined) {
        lastActivity.set(job.id, now());
        continue;
      }
      if (now() - last <= deps.stallTimeoutMs) continue;
      const plan = planOf(job.kind);
      const step = currentStep.get(job.id) ?? plan?.steps[0];
      const service = step?.service ?? "worker";
      const silence = describeDuration(now() - last);
      if (job.abortRequested) {
        await acknowledgeAbort(
          job,
          `aborted by the operator; the ${service} service had said nothing about it for ${silence}, so nothing was left to stop`,
        );
        continue;
      }
      const silent: ErrorInfo = {
        code: CODES.workerSilent,
        message: `The ${service} service has said nothing about job ${job.id} for ${silence}: it is not running, or it hangs.`,
        hint: `Start it (\`npm start\` runs every service; alone: \`npx tsx services/runner/main.ts --only ${service}\`), then \`pytarchive requeue ${job.id}\`.`,
      };
      if (plan?.needsDrive && step?.phase === "work" && job.pendingError === null) {
        lastActivity.set(job.id, now());
        await release(job, plan, step.step, silent);
        continue;
      }
      await failJob(job, plan, step?.step ?? "start", job.pendingError ?? silent);
    }
  };

  const claimAndStart = async () => {
    if (driveFree.length === 0) return;
    for (;;) {
      const { job } = await catalog.call("job-claim", {
        kinds: driveFree,
        worker: deps.worker,
        limit: deps.driveFreeConcurrency,
      });
      if (job === null) return;
      const plan = planOf(job.kind);
      if (plan === null) return;
      log.info("job started", {
        jobId: job.id,
        kind: job.kind,
        priority: job.priority,
        attempt: job.attempts,
      });
      await sendStep(job, plan.steps[0]);
    }
  };

  /** Starts queued tape jobs on free drives (pickDrives decides which and where). */
  const startTapeJobs = async (running: readonly CatalogJob[], queued: readonly CatalogJob[]) => {
    if (changer === null || tapeKinds.length === 0) return;
    const candidates = queued.filter((job) => tapeKinds.includes(job.kind));
    if (candidates.length === 0) return;
    const waiting: WaitingTapeJob[] = [];
    for (const job of candidates) {
      try {
        waiting.push({ id: job.id, priority: job.priority, tape: await tapeOf(job) });
      } catch (error) {
        await startAndFail(job, error);
      }
    }
    const drives = deps.drives ?? [];
    const [library, blocked] = await Promise.all([changer.status(), changer.blockedDrives(drives)]);
    const busy = new Set(
      running
        .filter((job) => planOf(job.kind)?.needsDrive === true && job.drive !== null)
        .map((job) => job.drive),
    );
    const views = drives.map((drive) => {
      const held = library.drives.find((candidate) => candidate.index === drive);
      return {
        drive,
        barcode: held?.full ? held.barcode : null,
        busy: busy.has(drive),
        blocked: blocked.has(drive),
      };
    });
    const tapesInUse = new Set<string>();
    for (const job of running) {
      if (planOf(job.kind)?.needsDrive !== true) continue;
      try {
        tapesInUse.add(await tapeOf(job));
      } catch {
        // A running job whose tape cannot be told fails on its own; it holds no tape.
      }
    }
    for (const { jobId, drive } of pickDrives(waiting, views, tapesInUse)) {
      const { job } = await catalog.call("job-start", { id: jobId, worker: deps.worker, drive });
      if (job === null) continue;
      const plan = planOf(job.kind);
      if (plan === null) continue;
      log.info("job started", {
        jobId: job.id,
        kind: job.kind,
        priority: job.priority,
        attempt: job.attempts,
        drive,
        tape: tapes.get(job.id),
      });
      await sendStep(job, plan.steps[0]);
    }
  };

  /** A queued job that cannot run (its tape cannot be told): started, then failed at once. */
  const startAndFail = async (queuedJob: CatalogJob, error: unknown) => {
    const { job } = await catalog.call("job-start", {
      id: queuedJob.id,
      worker: deps.worker,
      drive: null,
    });
    if (job === null) return;
    const info = errorInfoOf(error);
    await failJob(job, planOf(job.kind), "start", info);
  };

  const lookOnce = async () => {
    try {
      const { running, queued } = await catalog.call("queue", {});
      await resumeUnsent(running);
      await endSilent(running);
      await claimAndStart();
      await startTapeJobs(running, queued);
    } catch (error) {
      log.warn("could not look at the queue; trying again at the next poll", { error });
    }
  };

  const poke = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (looking !== null) {
      lookAgain = true;
      return looking;
    }
    looking = (async () => {
      try {
        do {
          lookAgain = false;
          await lookOnce();
        } while (lookAgain && !closed);
      } finally {
        looking = null;
      }
    })();
    return looking;
  };

  /**
   * A tape job whose work failed (or was aborted) still releases its drive: the error is kept
   * with the job (`job-failing`) and the release steps run; the job ends when the tape is home.
   */
  const release = async (job: CatalogJob, plan: JobPlan, step: string, error: ErrorInfo | null) => {
    const first = releaseStart(plan);
    if (first === null) return;
    let current = job;
    if (error !== null) {
      current = (
        await catalog.call("job-failing", { id: job.id, attempt: job.attempts, step, error })
      ).job;
      log.warn("tape job failed; releasing its drive before it ends", {
        jobId: job.id,
        step,
        code: error.code,
      });
    }
    await sendStep(current, first);
  };

  /** The last step of a job is done: it ends done, failed (its kept error) or aborted. */
  const endAfterLastStep = async (job: CatalogJob, plan: JobPlan, result: StepResult) => {
    if (job.pendingError !== null) {
      await failJob(job, plan, result.step, job.pendingError);
      return;
    }
    // A committed job (e.g. its folder is archived) ends done: an abort then came too late.
    if (job.abortRequested && (job.committedAt ?? null) === null) {
      await acknowledgeAbort(job);
      return;
    }
    await endJob(job.id, "finish the job", () =>
      catalog.call("job-finish", {
        id: job.id,
        attempt: job.attempts,
        ...(result.summary === undefined ? {} : { summary: result.summary }),
      }),
    );
    log.info("job done", { jobId: job.id, kind: job.kind, summary: result.summary });
  };

  const handleResult = async (result: StepResult): Promise<void> => {
    const resultLog = log.child({
      jobId: result.jobId,
      step: result.step,
      attempt: result.attempt,
      outcome: result.outcome,
      worker: result.worker,
    });
    const { job } = await catalog.call("job-get", { id: result.jobId });
    if (job === null || job.state !== "running" || job.attempts !== result.attempt) {
      resultLog.info("step result for a job that no longer runs this attempt; ignored", {
        state: job?.state ?? "unknown",
      });
      return;
    }
    const plan = planOf(job.kind);
    const planned = plan === null ? null : findStep(plan, result.step);
    if (plan === null || planned === null) {
      await failJob(job, plan, result.step, {
        code: CODES.unknownStep,
        message: `The ${result.worker} reported a step "${result.step}" that a ${job.kind} job does not have.`,
        hint: "Check that every pytarchive service runs the same version, then requeue the job.",
      });
      void poke();
      return;
    }
    if (result.outcome === "done") resultLog.info("step done", { summary: result.summary });
    if (planned.step === CYCLE_STEP.step) {
      await afterCycle(job, plan, result);
    } else if (result.outcome === "done") {
      await afterDone(job, plan, planned, result);
    } else if (plan.needsDrive && (planned.phase === "work" || planned.step === "mount")) {
      // The tape may be mounted: release the drive, then end failed or aborted. A step the
      // catalog refused because the job was aborted first ends aborted, not failed.
      const failed = result.outcome === "failed" && !abortedFirst(job, result);
      await release(job, plan, result.step, failed ? errorOf(result) : null);
      return;
    } else if (result.outcome === "failed") {
      await failJob(job, plan, result.step, withEarlierError(errorOf(result), job.pendingError));
    } else if (job.abortRequested) {
      await acknowledgeAbort(job);
    } else {
      await failJob(job, plan, result.step, {
        code: CODES.stepStopped,
        message: `The ${result.worker} stopped step ${result.step} of job ${job.id} although nobody asked to abort it.`,
        hint: `Requeue it: \`pytarchive requeue ${job.id}\`.`,
      });
    }
    // A place (or a drive) may have come free: look for the next job now.
    void poke();
  };

  const afterDone = async (
    job: CatalogJob,
    plan: JobPlan,
    planned: PlannedStep,
    result: StepResult,
  ) => {
    const position = stepPosition(plan, planned.step);
    const next = position?.next ?? null;
    if (next === null) {
      await endAfterLastStep(job, plan, result);
      return;
    }
    if (job.abortRequested && next.phase !== "release" && plan.needsDrive) {
      // Aborted between steps: nothing more on the tape; release what was taken.
      if (planned.step === "clear") await acknowledgeAbort(job);
      else await release(job, plan, planned.step, null);
      return;
    }
    await sendStep(job, next);
  };

  /** The 53/03 recovery's mount and unmount ended: unload once more, or give up. */
  const afterCycle = async (job: CatalogJob, plan: JobPlan, result: StepResult) => {
    if (result.outcome !== "done") {
      await failJob(job, plan, result.step, job.pendingError ?? errorOf(result));
      return;
    }
    const unload = findStep(plan, "unload");
    if (unload === null) return;
    lastActivity.set(job.id, now());
    currentStep.set(job.id, unload);
    await catalog.call("job-progress", {
      id: job.id,
      attempt: job.attempts,
      step: unload.step,
      text: `${waitingText(unload)}${RETRY_TEXT}`,
      waitingOn: unload.step,
      waitingRetry: true,
    });
    await sendMove(job, unload, true);
  };

  const handleMoveOutcome = async (outcome: MoveOutcome): Promise<void> => {
    const event = "done" in outcome ? outcome.done : outcome.failed;
    const named = parseMoveId(event.moveId);
    if (named === null) return;
    const base = {
      jobId: named.jobId,
      step: named.step,
      attempt: named.attempt,
      worker: `changer (move ${event.moveId})`,
      at: event.at,
    };
    if ("done" in outcome) {
      const where =
        outcome.done.to.kind === "drive"
          ? `drive ${outcome.done.to.drive}`
          : `slot ${outcome.done.to.slot}`;
      await handleResult({
        ...base,
        outcome: "done",
        summary: `${outcome.done.alreadyInPlace ? "already in" : "moved to"} ${where}: tape ${outcome.done.barcode}`,
      });
      return;
    }
    const failed = outcome.failed;
    if (named.step === "unload" && !named.retry && failed.error.code === REMOVAL_PREVENTED) {
      const { job } = await catalog.call("job-get", { id: named.jobId });
      if (job === null || job.state !== "running" || job.attempts !== named.attempt) return;
      log.warn(
        "the drive would not release the tape (53/03): mounting and unmounting it, then unloading once more",
        { jobId: job.id, drive: failed.drive, barcode: failed.barcode },
      );
      await sendStep(job, CYCLE_STEP);
      return;
    }
    await handleResult({ ...base, outcome: "failed", error: failed.error });
  };

  return {
    poke,
    handleResult,
    handleMoveOutcome,
    noteActivity: (jobId) => {
      if (lastActivity.has(jobId)) lastActivity.set(jobId, now());
    },
    close: async () => {
      closed = true;
      while (looking !== null) await looking;
    },
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

/** Errors that a retry cannot cure, unlike an unreachable changer, catalog or NATS. */
function isFinalRefusal(error: unknown): boolean {
  return (
    error instanceof PytarchiveError &&
    ![
      "SERVICE_NOT_RUNNING",
      "SERVICE_TIMEOUT",
      "NATS_REQUEST_FAILED",
      "CHANGER_UNAVAILABLE",
      "INTERNAL_ERROR",
    ].includes(error.code)
  );
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

/** "42 s", "5 min", "2 h 10 min". */
function describeDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
