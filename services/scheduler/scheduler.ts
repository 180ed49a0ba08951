import { PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { CatalogJob } from "../../shared/messages/catalog-requests.ts";
import type { ErrorInfo, JobKind, WorkItem } from "../../shared/messages/index.ts";
import type { StepResult } from "../../shared/messages/job-steps.ts";
import type { CatalogClient } from "../../shared/nats/catalog-client.ts";
import { type JobPlan, type PlannedStep, planOf, stepPosition } from "./job-plans.ts";
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
  /** A running job showed signs of life (its worker reported progress). */
  noteActivity(jobId: string): void;
  /** Takes no more looks; resolves when the one running (if any) is over. */
  close(): Promise<void>;
}

const WAITING_PREFIX = "waiting for the ";

/**
 * The progress text of a job whose step was sent and not yet picked up. It doubles as the
 * marker a restarted scheduler looks for: a running job that shows it (or no progress at all)
 * may never have had its step sent, so the step is sent again (JetStream drops the duplicate
 * within its window; the worker skips a step of a job that no longer runs).
 */
export function waitingText(step: PlannedStep): string {
  return `${WAITING_PREFIX}${step.service} service (step ${step.step})`;
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
  };

  const sendStep = async (job: CatalogJob, step: PlannedStep): Promise<void> => {
    lastActivity.set(job.id, now());
    currentStep.set(job.id, step);
    // The marker goes first: a crash after it and before the publish is resumed by a restart.
    await catalog.call("job-progress", {
      id: job.id,
      attempt: job.attempts,
      step: step.step,
      text: waitingText(step),
    });
    await deps.dispatch(step.service, { jobId: job.id, step: step.step, attempt: job.attempts });
    sent.set(job.id, sentKey(job, step));
    log.info("step sent", {
      jobId: job.id,
      kind: job.kind,
      step: step.step,
      service: step.service,
      attempt: job.attempts,
    });
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
    log.warn("job failed", { jobId: job.id, kind: job.kind, step, code: error.code });
  };

  const acknowledgeAbort = async (job: CatalogJob, reason?: string) => {
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
      if (job.progress !== null && !job.progress.startsWith(WAITING_PREFIX)) continue;
      const step =
        plan.steps.find((planned) => job.progress === waitingText(planned)) ?? plan.steps[0];
      if (sent.get(job.id) === sentKey(job, step)) continue;
      log.info("sending the step of a running job again: it may never have been sent", {
        jobId: job.id,
        step: step.step,
        attempt: job.attempts,
      });
      await sendStep(job, step);
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
      await failJob(job, plan, step?.step ?? "start", {
        code: CODES.workerSilent,
        message: `The ${service} service has said nothing about job ${job.id} for ${silence}: it is not running, or it hangs.`,
        hint: `Start it (\`npm start\` runs every service; alone: \`npx tsx services/runner/main.ts --only ${service}\`), then \`pytarchive requeue ${job.id}\`.`,
      });
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

  const lookOnce = async () => {
    try {
      const { running } = await catalog.call("queue", {});
      await resumeUnsent(running);
      await endSilent(running);
      await claimAndStart();
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
    const position = plan === null ? null : stepPosition(plan, result.step);
    if (position === null) {
      await failJob(job, plan, result.step, {
        code: CODES.unknownStep,
        message: `The ${result.worker} reported a step "${result.step}" that a ${job.kind} job does not have.`,
        hint: "Check that every pytarchive service runs the same version, then requeue the job.",
      });
    } else if (result.outcome === "done") {
      if (position.next !== null) {
        await sendStep(job, position.next);
        return;
      }
      await endJob(job.id, "finish the job", () =>
        catalog.call("job-finish", {
          id: job.id,
          attempt: job.attempts,
          ...(result.summary === undefined ? {} : { summary: result.summary }),
        }),
      );
      resultLog.info("job done", { kind: job.kind, summary: result.summary });
    } else if (result.outcome === "failed") {
      await failJob(
        job,
        plan,
        result.step,
        result.error ?? {
          code: "STEP_FAILED",
          message: `Step ${result.step} failed without saying why (${result.worker}).`,
        },
      );
    } else if (job.abortRequested) {
      await acknowledgeAbort(job);
    } else {
      await failJob(job, plan, result.step, {
        code: CODES.stepStopped,
        message: `The ${result.worker} stopped step ${result.step} of job ${job.id} although nobody asked to abort it.`,
        hint: `Requeue it: \`pytarchive requeue ${job.id}\`.`,
      });
    }
    // A place came free: look for the next job now rather than at the next poll.
    void poke();
  };

  return {
    poke,
    handleResult,
    noteActivity: (jobId) => {
      if (lastActivity.has(jobId)) lastActivity.set(jobId, now());
    },
    close: async () => {
      closed = true;
      while (looking !== null) await looking;
    },
  };
}

/** "42 s", "5 min", "2 h 10 min". */
function describeDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
