import { isTransientError, PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { CatalogJob, ErrorInfo, StepResult } from "../../shared/messages/index.ts";
import { type JobKind, parseMoveId, type WorkItem } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { errorInfoOf } from "../../shared/nats/index.ts";
import type { ChangerLink } from "./changer-link.ts";
import { type Action, decide, type SchedulerEvent } from "./decide.ts";
import { createJobEndings } from "./job-endings.ts";
import { CHANGER, type JobPlan, type PlannedStep, planOf } from "./job-plans.ts";
import { driveViewsOf, pickDrives, type WaitingTapeJob } from "./pick-drives.ts";
import { createStallWatchdog } from "./stall-watchdog.ts";
import {
  driveOf,
  type HeldTape,
  type MoveOutcome,
  mayKeepTape,
  noDriveError,
  tapeMove,
} from "./tape-moves.ts";

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
  /** Takes no more looks; resolves when the one running (if any) and the work it left are over. */
  close(): Promise<void>;
}

/**
 * The scheduler's executor: it reads the queue and the jobs from the catalog, asks `decide`
 * (decide.ts) what follows each event, and carries the actions out with the catalog, the work
 * queues and the changer behind plain functions, so tests can run it without NATS. The catalog
 * is the truth: every look starts from its queue, and events only make the scheduler look sooner.
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
  const watchdog = createStallWatchdog(deps.stallTimeoutMs);
  /** The tape each tape job needs, once looked up (a job's tape does not change). */
  const tapes = new Map<string, string>();
  /** The step this process sent for each job's attempt, so a look does not send it twice. */
  const sent = new Map<string, { readonly attempt: number; readonly step: string }>();
  /**
   * What a tape job's drive held in the `mtx status` of the look that started it (per attempt):
   * its first `clear` takes it instead of reading the library again moments later. The drive was
   * free then and is the job's since, so no other job's move can have changed it.
   */
  const heldAtStart = new Map<
    string,
    { readonly attempt: number; readonly held: HeldTape | null }
  >();
  /** What each job's drive held when its `clear` looked (per attempt), for its `load`. */
  const heldAtClear = new Map<
    string,
    { readonly attempt: number; readonly held: HeldTape | null }
  >();
  /** Why the step of a job could not be sent (a transient refusal): told if it never is. */
  const unsent = new Map<string, ErrorInfo>();
  /** Steps done without a move, handled after the call that decided them returns. */
  const settling = new Set<Promise<void>>();
  let looking: Promise<void> | null = null;
  let lookAgain = false;
  let closed = false;

  const forget = (jobId: string) => {
    watchdog.forget(jobId);
    sent.delete(jobId);
    unsent.delete(jobId);
    tapes.delete(jobId);
    heldAtClear.delete(jobId);
    heldAtStart.delete(jobId);
  };

  const endings = createJobEndings(catalog, log, forget);

  const tapeOf = async (job: CatalogJob): Promise<string> => {
    const known = tapes.get(job.id);
    if (known !== undefined) return known;
    if (deps.tapeOf === undefined) throw new Error("no tapeOf given for tape jobs");
    const tape = await deps.tapeOf(job);
    tapes.set(job.id, tape);
    return tape;
  };

  /** Decides what `event` means for `job` and does it. */
  const react = (job: CatalogJob | null, event: SchedulerEvent) => {
    const plan = job === null ? null : planOf(job.kind);
    return carryOut(job, plan, decide({ job, plan, event }));
  };

  /** Carries out the actions decided for `job`, in order; a send refused for good ends the list. */
  const carryOut = async (
    job: CatalogJob | null,
    plan: JobPlan | null,
    actions: readonly Action[],
  ): Promise<void> => {
    let current = job;
    for (const action of actions) {
      if (action.kind === "note") {
        log[action.level](action.message, action.fields);
        continue;
      }
      if (action.kind === "look") {
        void poke();
        continue;
      }
      if (current === null) throw new Error(`no job to ${action.kind}`);
      switch (action.kind) {
        case "record-waiting":
          // Its silence counts from the first try, even if recording it fails.
          watchdog.stepSent(current.id, current.attempts, action.step, now());
          await catalog.call("job-progress", {
            id: current.id,
            attempt: current.attempts,
            step: action.step.step,
            text: action.text,
            waitingOn: action.step.step,
            ...(action.retry ? { waitingRetry: true } : {}),
          });
          break;
        case "send":
          if (!(await send(current, plan, action.step, action.retry))) return;
          break;
        case "keep-error":
          current = (
            await catalog.call("job-failing", {
              id: current.id,
              attempt: current.attempts,
              step: action.step,
              error: action.error,
            })
          ).job;
          log.warn("tape job failed; releasing its drive before it ends", {
            jobId: current.id,
            step: action.step,
            code: action.error.code,
          });
          break;
        case "fail":
          await endings.fail(current, action);
          break;
        case "abort":
          await endings.abort(current, action);
          break;
        case "finish":
          await endings.finish(current, action);
          break;
      }
    }
  };

  /** Sends a step to its worker or its move to the changer; false when refused for good. */
  const send = async (
    job: CatalogJob,
    plan: JobPlan | null,
    step: PlannedStep,
    retry: boolean,
  ): Promise<boolean> => {
    watchdog.stepSent(job.id, job.attempts, step, now());
    if (step.service === CHANGER) {
      try {
        await sendMove(job, step, retry);
      } catch (error) {
        if (!isFinalRefusal(error)) throw error;
        const refused: SchedulerEvent = {
          kind: "move-refused",
          step: step.step,
          error: errorInfoOf(error),
        };
        await carryOut(job, plan, decide({ job, plan, event: refused }));
        return false;
      }
    } else {
      await deps.dispatch(step.service, { jobId: job.id, step: step.step, attempt: job.attempts });
    }
    sent.set(job.id, { attempt: job.attempts, step: step.step });
    unsent.delete(job.id);
    log.info("step sent", {
      jobId: job.id,
      kind: job.kind,
      step: step.step,
      service: step.service,
      attempt: job.attempts,
    });
    return true;
  };

  /** The tape move of a changer step (tape-moves.ts), or the step done at once without one. */
  const sendMove = async (job: CatalogJob, step: PlannedStep, retry: boolean) => {
    if (changer === null) throw noDriveError(job);
    const drive = driveOf(job);
    const tape = await tapeOf(job);
    let held: HeldTape | null = null;
    if (step.step === "clear") {
      const atStart = heldAtStart.get(job.id);
      heldAtStart.delete(job.id);
      held =
        atStart?.attempt === job.attempts
          ? atStart.held
          : ((await changer.status()).drives.find((d) => d.index === drive) ?? null);
      heldAtClear.set(job.id, { attempt: job.attempts, held });
    } else if (step.step === "load") {
      const atClear = heldAtClear.get(job.id);
      held = atClear?.attempt === job.attempts ? atClear.held : null;
    }
    const nextJob =
      step.step === "unload" && mayKeepTape(job, retry) ? await nextJobFor(tape, job.id) : null;
    const planned = tapeMove(job, { step: step.step, tape, retry, held, nextJob });
    if (planned.kind === "move") {
      await changer.move(planned.move);
      return;
    }
    // Done as if the changer had said so, once the caller has recorded the step as sent.
    const attempt = job.attempts;
    const done = handleResult({
      jobId: job.id,
      step: step.step,
      attempt: job.attempts,
      outcome: "done",
      summary: planned.summary,
      worker: deps.worker,
      at: new Date(now()).toISOString(),
    }).catch((error: unknown) => {
      // Nobody else will report on this step: forget it was sent, so the next look sends it again.
      const here = sent.get(job.id);
      if (here?.attempt === attempt && here.step === step.step) sent.delete(job.id);
      unsent.set(job.id, errorInfoOf(error));
      log.warn("could not advance a tape job; its step is sent again at the next look", {
        jobId: job.id,
        step: step.step,
        error,
      });
    });
    settling.add(done);
    void done.finally(() => settling.delete(done));
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

  /**
   * Reactions to one job, one at a time, each from the job as the catalog has it then. Two at
   * once decided from the same snapshot: after a restart, a look sent the step it saw waited on
   * (load) again while that step's result sent the next (mount), and the look's record came
   * last, so the catalog had the job back at load and the ltfs worker dropped the mount as a step
   * the job had moved on from (the job then waited for ever).
   */
  const reactions = new Map<string, Promise<unknown>>();
  const oneAtATime = (jobId: string, work: () => Promise<void>): Promise<void> => {
    const before = reactions.get(jobId) ?? Promise.resolve();
    const run = before.catch(() => {}).then(work);
    reactions.set(jobId, run);
    void run
      .finally(() => {
        if (reactions.get(jobId) === run) reactions.delete(jobId);
      })
      .catch(() => {});
    return run;
  };

  /** Running jobs of ours: each may have a step a crash left unsent. */
  const resumeUnsent = async (running: readonly CatalogJob[]) => {
    for (const listed of running) {
      if (!runnable.includes(listed.kind)) continue;
      if (planOf(listed.kind)?.needsDrive && changer === null) continue;
      await oneAtATime(listed.id, async () => {
        // The listing may be older than a reaction that ran meanwhile.
        const { job } = await catalog.call("job-get", { id: listed.id });
        if (job === null || job.state !== "running" || job.attempts !== listed.attempts) return;
        const here = sent.get(job.id);
        const sentHere = here?.attempt === job.attempts ? here.step : null;
        await sendingStep(job, { kind: "look", sentHere });
      });
    }
  };

  /**
   * Reacts to a job's start or a look, which send its step. A failure is logged with the job and
   * kept as why its step is unsent (the stall timeout then fails the job with it); it does not
   * stop the look, so one job cannot hold up the others.
   */
  const sendingStep = async (job: CatalogJob, event: SchedulerEvent) => {
    try {
      await react(job, event);
    } catch (error) {
      unsent.set(job.id, errorInfoOf(error));
      log.warn("could not send a job's step; trying again at the next look", {
        jobId: job.id,
        error,
      });
    }
  };

  /** Running jobs of ours whose worker went silent: failed, or aborted when asked. */
  const endSilent = async (running: readonly CatalogJob[]) => {
    const ours = running.filter((job) => runnable.includes(job.kind));
    const ids = new Set(ours.map((job) => job.id));
    for (const jobId of [...sent.keys()]) if (!ids.has(jobId)) sent.delete(jobId);
    for (const { job, silentForMs, step } of watchdog.silent(ours, now())) {
      const unsentBecause = unsent.get(job.id) ?? null;
      try {
        await react(job, { kind: "silent", silentForMs, step, unsentBecause });
      } catch (error) {
        log.warn("could not end a silent job; trying again at the next look", {
          jobId: job.id,
          error,
        });
      }
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
      if (job === null || planOf(job.kind) === null) return;
      log.info("job started", {
        jobId: job.id,
        kind: job.kind,
        priority: job.priority,
        attempt: job.attempts,
      });
      await sendingStep(job, { kind: "started" });
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
    const views = driveViewsOf(drives, library.drives, busy, blocked);
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
      if (job === null || planOf(job.kind) === null) continue;
      const held = library.drives.find((d) => d.index === drive) ?? null;
      heldAtStart.set(job.id, { attempt: job.attempts, held });
      log.info("job started", {
        jobId: job.id,
        kind: job.kind,
        priority: job.priority,
        attempt: job.attempts,
        drive,
        tape: tapes.get(job.id),
      });
      await sendingStep(job, { kind: "started" });
    }
  };

  /** A queued job that cannot run (its tape cannot be told): started, then failed at once. */
  const startAndFail = async (queuedJob: CatalogJob, error: unknown) => {
    const { job } = await catalog.call("job-start", {
      id: queuedJob.id,
      worker: deps.worker,
      drive: null,
    });
    if (job !== null) await react(job, { kind: "cannot-start", error: errorInfoOf(error) });
  };

  const lookOnce = async () => {
    try {
      const { running, queued } = await catalog.call("queue", {});
      const listed = new Set([...running, ...queued].map((job) => job.id));
      for (const jobId of [...tapes.keys()]) if (!listed.has(jobId)) tapes.delete(jobId);
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

  const handleResult = (result: StepResult): Promise<void> =>
    oneAtATime(result.jobId, async () => {
      const { job } = await catalog.call("job-get", { id: result.jobId });
      await react(job, { kind: "step-result", result });
    });

  const handleMoveOutcome = async (outcome: MoveOutcome): Promise<void> => {
    const named = parseMoveId(("done" in outcome ? outcome.done : outcome.failed).moveId);
    if (named === null) return;
    await oneAtATime(named.jobId, async () => {
      const { job } = await catalog.call("job-get", { id: named.jobId });
      await react(job, { kind: "move-outcome", named, outcome });
    });
  };

  return {
    poke,
    handleResult,
    handleMoveOutcome,
    noteActivity: (jobId) => watchdog.heard(jobId, now()),
    close: async () => {
      closed = true;
      while (looking !== null || settling.size > 0) {
        await Promise.all([looking, ...settling]);
      }
    },
  };
}

/**
 * A refusal a retry cannot cure (the error catalogue says which codes are transient: an
 * unreachable changer, catalog or NATS, a timeout). Anything that is not a PytarchiveError is an
 * accident of this process: thrown on, the next look tries again.
 */
function isFinalRefusal(error: unknown): boolean {
  return error instanceof PytarchiveError && !isTransientError(error);
}
