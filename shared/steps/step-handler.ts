import { isTransientError, PytarchiveError } from "../errors/index.ts";
import type { Logger } from "../logging/index.ts";
import type {
  CatalogJob,
  ErrorInfo,
  StepOutcome,
  StepResult,
  WorkItem,
} from "../messages/index.ts";
import type { CatalogClient } from "../nats/index.ts";
import { errorInfoOf, type WorkContext, type WorkHandler } from "../nats/index.ts";
import { type StepProgress, startProgressReporter } from "./progress-reporter.ts";
import type { RunningStep, RunningSteps } from "./running-steps.ts";

/** Codes of the results the step handler itself gives (the work's own codes come from the work). */
export const STEP_ERROR_CODES = {
  unknownStep: "UNKNOWN_STEP",
  stepInterrupted: "STEP_INTERRUPTED",
  invalidJobArguments: "INVALID_JOB_ARGUMENTS",
} as const;

/** What one run of a step gets: the job as the catalog has it now, and ways to report. */
export interface StepRun {
  readonly job: CatalogJob;
  readonly item: WorkItem;
  readonly log: Logger;
  /** Aborted when the operator aborts the job, the job ends elsewhere or the service stops. */
  readonly signal: AbortSignal;
  /** 1 on the first delivery; more after a crash or restart of the service. */
  readonly deliveryCount: number;
  /** Records progress in the catalog (throttled) and tells JetStream the step still runs. */
  progress(update: StepProgress): void;
  /** Tells JetStream the step still runs, without news. */
  working(): void;
}

/** How a step ended when it did its work: one line for the job's progress. */
export interface StepDone {
  readonly summary?: string;
}

/** One kind of step a service does. */
export interface StepDefinition {
  readonly run: (run: StepRun) => Promise<StepDone>;
  /**
   * The step runs even when an abort was asked for: steps that release a drive (unmount, unload)
   * must, or an aborted job would leave its tape mounted.
   */
  readonly runsWhenAborted?: boolean;
}

export interface StepHandlerDependencies {
  /** The service, as the operator knows it: "ltfs", "verification", "compression". */
  readonly service: string;
  readonly steps: Readonly<Record<string, StepDefinition>>;
  readonly catalog: CatalogClient;
  /** Hands the step's result to the scheduler. */
  readonly report: (result: StepResult) => Promise<void>;
  readonly running: RunningSteps;
  /** This instance, named in results: "ltfs@host:pid". */
  readonly worker: string;
  /** Deliveries of one step before it is failed as interrupted (crashes, restarts). */
  readonly maxRuns: number;
  readonly progressIntervalMs: number;
  readonly heartbeatMs: number;
}

/**
 * Runs the steps of one service and reports how each ended to the scheduler, with what every
 * worker needs around its work: a step of a job that no longer runs this attempt is skipped, so
 * is one the job has moved on from (the catalog's `currentStep` is another: a late redelivery), a
 * step already running here is not started twice, an abort stops it (`aborted`), progress goes
 * to the catalog (and an answer of "no longer running" stops the step), a step redelivered more
 * than `maxRuns` times is failed as interrupted.
 *
 * Failures of the work are results (`failed`, with the work's code, message and hint), not
 * retries; only a transient error (an unreachable catalog or NATS) makes the step be delivered
 * again, and on its `maxRuns`-th run even that is reported `failed` with its own code and hint.
 * When the service stops, the step is stopped and handed back to JetStream.
 */
export function createStepHandler(deps: StepHandlerDependencies): WorkHandler<WorkItem> {
  return async (item, context) => {
    const log = context.log.child({ jobId: item.jobId, step: item.step, attempt: item.attempt });
    const report = (outcome: StepOutcome, extra: { error?: ErrorInfo; summary?: string } = {}) =>
      deps.report({
        jobId: item.jobId,
        step: item.step,
        attempt: item.attempt,
        outcome,
        ...extra,
        worker: deps.worker,
        at: new Date().toISOString(),
      });
    const definition = Object.hasOwn(deps.steps, item.step) ? deps.steps[item.step] : undefined;
    if (definition === undefined) {
      log.error("work item for a step this service does not do", { step: item.step });
      await report("failed", {
        error: {
          code: STEP_ERROR_CODES.unknownStep,
          message: `The ${deps.service} service was asked for step "${item.step}"; it does ${Object.keys(deps.steps).join(", ")}.`,
          hint: "Check that every pytarchive service runs the same version, then requeue the job.",
        },
      });
      return;
    }
    const key = `${item.jobId}.${item.step}.${item.attempt}`;
    const step = deps.running.begin(key, item.jobId, {
      ignoresAbort: definition.runsWhenAborted === true,
    });
    if (step === null) {
      log.info("this step already runs here; the repeated delivery is dropped");
      return;
    }
    try {
      const { job } = await deps.catalog.call("job-get", { id: item.jobId });
      if (job === null || job.state !== "running" || job.attempts !== item.attempt) {
        log.info("the job no longer runs this attempt; step skipped", {
          state: job?.state ?? "unknown",
          currentAttempt: job?.attempts,
        });
        return;
      }
      const current = job.currentStep ?? null;
      if (current !== null && current !== item.step) {
        // JetStream delivers a step again when its ack was lost (a NATS node went away), also
        // after the step ended and the scheduler sent the next one. Run again then, a `write`
        // would forget the files the read-back is recording; its result would be a stale one.
        log.warn(
          "the job has moved on to another step; this delivery of an earlier one is dropped",
          {
            currentStep: current,
            deliveryCount: context.deliveryCount,
          },
        );
        return;
      }
      if (job.abortRequested && definition.runsWhenAborted !== true) {
        log.info("abort requested before the step began");
        await report("aborted");
        return;
      }
      if (context.deliveryCount > deps.maxRuns) {
        await report("failed", {
          error: {
            code: STEP_ERROR_CODES.stepInterrupted,
            message: `Step ${item.step} of job ${job.id} (${job.kind}) was interrupted ${deps.maxRuns} times: the ${deps.service} service stopped or crashed while it ran, so pytarchive gave up.`,
            hint: `Check the ${deps.service} service's log for why it stopped, then \`pytarchive requeue ${job.id}\`.`,
          },
        });
        return;
      }
      if (context.deliveryCount > 1) {
        log.warn("an earlier run of this step was interrupted; running it again", {
          deliveryCount: context.deliveryCount,
        });
      }
      await runStep(deps, definition, { item, job, step, context, log, report });
    } finally {
      deps.running.end(key);
    }
  };
}

async function runStep(
  deps: StepHandlerDependencies,
  definition: StepDefinition,
  options: {
    item: WorkItem;
    job: CatalogJob;
    step: RunningStep;
    context: WorkContext;
    log: Logger;
    report: (
      outcome: StepOutcome,
      extra?: { error?: ErrorInfo; summary?: string },
    ) => Promise<void>;
  },
): Promise<void> {
  const { item, job, step, context, log, report } = options;
  const stopWithService = () => step.stop("stopping");
  context.signal.addEventListener("abort", stopWithService, { once: true });
  if (context.signal.aborted) stopWithService();
  const progress = startProgressReporter({
    send: async ({ percent, text, counts, rate }) =>
      (
        await deps.catalog.call("job-progress", {
          id: job.id,
          attempt: item.attempt,
          step: item.step,
          ...(percent === undefined ? {} : { percent }),
          text,
          ...counts,
          ...rate,
        })
      ).job,
    onJob: (current) => {
      if (current === null) step.stop("gone");
      else if (current.abortRequested && definition.runsWhenAborted !== true) step.stop("operator");
    },
    intervalMs: deps.progressIntervalMs,
    heartbeatMs: deps.heartbeatMs,
    log,
  });
  try {
    const done = await definition.run({
      job,
      item,
      log,
      signal: step.signal,
      deliveryCount: context.deliveryCount,
      progress: (update) => {
        context.working();
        progress.update(update);
      },
      working: () => context.working(),
    });
    await progress.close();
    await report("done", done.summary === undefined ? {} : { summary: done.summary });
  } catch (error) {
    await progress.close();
    const reason = step.stopReason();
    if (reason === "stopping") throw error;
    if (reason === "operator") {
      log.info("step stopped for an abort");
      await report("aborted");
      return;
    }
    if (reason === "gone" || isStaleReport(error)) {
      log.info("the job no longer runs this attempt; the step was stopped", { error });
      return;
    }
    // A transient error is handed back for another delivery, but not on the last run allowed:
    // then the person sees the real error and its hint, not STEP_INTERRUPTED.
    if (isUnreachable(error) && context.deliveryCount < deps.maxRuns) throw error;
    log.warn("step failed", { error });
    await report("failed", { error: errorInfoOf(error) });
  } finally {
    context.signal.removeEventListener("abort", stopWithService);
  }
}

/** The catalog or NATS could not be reached (the catalogue's transient codes): tried again later. */
function isUnreachable(error: unknown): boolean {
  return error instanceof PytarchiveError && isTransientError(error);
}

/** The catalog refused to record the result: the job was ended or requeued meanwhile. */
function isStaleReport(error: unknown): boolean {
  return (
    error instanceof PytarchiveError &&
    (error.code === "JOB_STATE_CONFLICT" || error.code === "UNKNOWN_JOB")
  );
}
