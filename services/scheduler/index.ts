import { hostname } from "node:os";
import type { JobKind } from "../../shared/messages/index.ts";
import { StepResult, streamNames, subjects } from "../../shared/messages/index.ts";
import {
  createCatalogClient,
  ensureKv,
  publishWork,
  type RunningWorkConsumer,
  runWorkConsumer,
  type ServiceDefinition,
} from "../../shared/nats/index.ts";
import { tapeOfJob } from "../../shared/steps/index.ts";
import { createChangerLink } from "./changer-link.ts";
import { DEFAULT_RUNNABLE_KINDS } from "./job-plans.ts";
import { createScheduler } from "./scheduler.ts";
import { watchEvents } from "./watch-events.ts";

export { type CatalogClient, createCatalogClient } from "../../shared/nats/index.ts";
export { type Action, decide, type SchedulerEvent, waitingText } from "./decide.ts";
export {
  DEFAULT_RUNNABLE_KINDS,
  JOB_PLANS,
  type JobPlan,
  type PlannedStep,
  planOf,
  stepPosition,
} from "./job-plans.ts";
export { createScheduler, type Scheduler, type SchedulerDependencies } from "./scheduler.ts";
export { SCHEDULER_ERROR_CODES } from "./scheduler-errors.ts";

export interface SchedulerServiceOptions {
  /** Kinds to run. Default DEFAULT_RUNNABLE_KINDS (those whose worker service exists). */
  readonly kinds?: readonly JobKind[];
  /** How often the queue is looked at even without events. Default 5 s. */
  readonly pollIntervalMs?: number;
  /** A running job whose worker says nothing for this long is failed. Default 10 min. */
  readonly stallTimeoutMs?: number;
  /** JetStream ack wait of a step result. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Names this instance in `job.started` events. Default `scheduler@<host>:<pid>`. */
  readonly worker?: string;
}

/**
 * The scheduler: runs the queue (README.md). It claims queued jobs it can run from the catalog
 * (priority, then age; at most `[Compression] concurrency` jobs that need no drive at once),
 * sends each step to its worker's queue, and turns the workers' step results
 * (`pyt.<lib>.work.scheduler.step-result`) into the job's next step, done, failed or aborted.
 * It looks at the queue when jobs are queued (events) and every few seconds.
 *
 * @example
 * runServices({ services: [createCatalogService(), createSchedulerService(), compressionService], config });
 */
export function createSchedulerService(options: SchedulerServiceOptions = {}): ServiceDefinition {
  return {
    name: "scheduler",
    async start({ config, nc, js, jsm, log, signal }) {
      const libraryId = config.nats.libraryId;
      const s = subjects(libraryId);
      const catalog = createCatalogClient(nc, libraryId);
      const kv = await ensureKv(jsm, libraryId, {
        replicas: config.nats.replicas,
        stopping: signal,
      });
      const scheduler = createScheduler({
        catalog,
        changer: createChangerLink(nc, js, kv, libraryId),
        drives: config.device.drives.map((drive) => drive.element),
        tapeOf: (job) => tapeOfJob(job, catalog),
        dispatch: async (service, item) => {
          await publishWork(js, s.work(service, item.step), item);
        },
        log,
        kinds: options.kinds ?? DEFAULT_RUNNABLE_KINDS,
        driveFreeConcurrency: config.compression.concurrency,
        stallTimeoutMs: options.stallTimeoutMs ?? 10 * 60_000,
        worker: options.worker ?? `scheduler@${hostname()}:${process.pid}`,
      });
      const consumers: RunningWorkConsumer[] = [];
      const stopConsumers = async () => {
        await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
      };
      try {
        consumers.push(
          await runWorkConsumer({
            js,
            stream: streamNames(libraryId).work,
            durable: "scheduler",
            filterSubject: s.workOf("scheduler"),
            message: StepResult,
            deadLetterSubject: s.deadLetter("scheduler"),
            ackWaitMs: options.ackWaitMs ?? config.nats.ackWaitSeconds * 1000,
            log,
            signal,
            handler: (result) => scheduler.handleResult(result),
          }),
        );
        consumers.push(
          await watchEvents({
            js,
            libraryId,
            log,
            signal,
            reactions: {
              onQueued: () => void scheduler.poke(),
              onProgress: (jobId) => scheduler.noteActivity(jobId),
              onAbortRequested: (jobId) => log.info("abort requested", { jobId }),
              onMoveOutcome: (outcome) => scheduler.handleMoveOutcome(outcome),
            },
          }),
        );
      } catch (error) {
        await stopConsumers();
        throw error;
      }
      // The first look also resumes what a crash left behind (README.md, "After a crash").
      void scheduler.poke();
      const poll = setInterval(() => void scheduler.poke(), options.pollIntervalMs ?? 5_000);
      log.info("scheduler running", {
        kinds: options.kinds ?? DEFAULT_RUNNABLE_KINDS,
        driveFreeConcurrency: config.compression.concurrency,
      });
      return {
        async health() {
          return {
            ok: true,
            detail: `runs ${(options.kinds ?? DEFAULT_RUNNABLE_KINDS).join(", ")}`,
          };
        },
        async stop() {
          clearInterval(poll);
          await scheduler.close();
          await stopConsumers();
        },
      };
    },
  };
}

/** The scheduler as the runner starts it. */
export const schedulerService: ServiceDefinition = createSchedulerService();
