import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  defineMessage,
  type ErrorInfo,
  JOB_ARGUMENT_SCHEMAS,
  type WorkItem,
} from "../../shared/messages/index.ts";
import type { StepOutcome, StepResult } from "../../shared/messages/job-steps.ts";
import type { CatalogClient } from "../../shared/nats/catalog-client.ts";
import { errorInfoOf, type WorkHandler } from "../../shared/nats/index.ts";
import { PREPARE_ERROR_CODES as CODES } from "./prepare-errors.ts";
import { type PrepareSettings, prepareFolder } from "./prepare-folder.ts";
import { startProgressReporter } from "./progress-reporter.ts";
import type { RunningSteps } from "./running-steps.ts";

/** The step of a prepare job this service does. */
export const PREPARE_STEP = "prepare";

const PrepareArguments = defineMessage("prepare job arguments", JOB_ARGUMENT_SCHEMAS.prepare);

/** Errors that say the catalog or NATS could not be reached: the step is tried again later. */
const UNREACHABLE_CODES = new Set([
  "SERVICE_NOT_RUNNING",
  "SERVICE_TIMEOUT",
  "NATS_REQUEST_FAILED",
  "INTERNAL_ERROR",
]);

export interface PrepareStepDependencies {
  readonly catalog: CatalogClient;
  /** Hands the step's result to the scheduler. */
  readonly report: (result: StepResult) => Promise<void>;
  readonly steps: RunningSteps;
  readonly settings: PrepareSettings;
  /** This instance, named in results: "compression@host:pid". */
  readonly worker: string;
  /** Deliveries of one step before it is failed as interrupted (crashes, restarts). */
  readonly maxRuns: number;
  readonly progressIntervalMs: number;
  readonly heartbeatMs: number;
}

/**
 * Runs the `prepare` step of a prepare job and reports how it ended to the scheduler. Handles
 * every delivery of the work item idempotently: a step of a job that no longer runs this attempt
 * is skipped, a step already running here is not started twice, and a redelivery after a crash
 * starts over (the engine replaces what the interrupted run left in scratch_path). The folder
 * becomes prepared in the catalog before `done` is reported.
 *
 * Failures of the work are results (`failed`, with the engine's code, message and hint), not
 * retries; only an unreachable catalog or NATS makes the step be delivered again. When the
 * service stops, the step is stopped and handed back to JetStream.
 */
export function createPrepareStepHandler(deps: PrepareStepDependencies): WorkHandler<WorkItem> {
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
    if (item.step !== PREPARE_STEP) {
      log.error("work item for a step this service does not do", { step: item.step });
      await report("failed", {
        error: {
          code: CODES.unknownStep,
          message: `The compression service was asked for step "${item.step}"; it only does "${PREPARE_STEP}".`,
          hint: "Check that every pytarchive service runs the same version, then requeue the job.",
        },
      });
      return;
    }
    const key = `${item.jobId}.${item.step}.${item.attempt}`;
    const step = deps.steps.begin(key, item.jobId);
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
      if (!PrepareArguments.is(job.args) || job.kind !== "prepare") {
        await report("failed", {
          error: {
            code: CODES.invalidJobArguments,
            message: `Job ${job.id} is a ${job.kind} job with arguments ${JSON.stringify(job.args)}, not a prepare job's.`,
            hint: "Check that every pytarchive service runs the same version.",
          },
        });
        return;
      }
      const { folder, compress } = job.args;
      if (job.abortRequested) {
        log.info("abort requested before the step began");
        await report("aborted");
        return;
      }
      if (context.deliveryCount > deps.maxRuns) {
        await report("failed", {
          error: {
            code: CODES.stepInterrupted,
            message: `Preparing ${folder} was interrupted ${deps.maxRuns} times (the compression service stopped or crashed while it ran), so pytarchive gave up.`,
            hint: `Check the compression service's log for why it stopped (memory, a hung network mount), then \`pytarchive requeue ${job.id}\`.`,
          },
        });
        return;
      }
      if (context.deliveryCount > 1) {
        log.warn("an earlier run of this step was interrupted; starting it over", {
          deliveryCount: context.deliveryCount,
        });
      }

      const stopWithService = () => step.stop("stopping");
      context.signal.addEventListener("abort", stopWithService, { once: true });
      if (context.signal.aborted) stopWithService();
      const progress = startProgressReporter({
        send: async ({ percent, text }) =>
          (
            await deps.catalog.call("job-progress", {
              id: job.id,
              attempt: item.attempt,
              step: item.step,
              ...(percent === undefined ? {} : { percent }),
              text,
            })
          ).job,
        onJob: (current) => {
          if (current === null) step.stop("gone");
          else if (current.abortRequested) step.stop("operator");
        },
        intervalMs: deps.progressIntervalMs,
        heartbeatMs: deps.heartbeatMs,
        log,
      });
      log.info("preparing folder", { folder, compress });
      try {
        const prepared = await prepareFolder({
          ...deps.settings,
          folder,
          compress,
          signal: step.signal,
          onProgress: (update) => {
            context.working();
            progress.update(update);
          },
        });
        await progress.close();
        await deps.catalog.call("folder-prepared", {
          jobId: job.id,
          attempt: item.attempt,
          path: folder,
          sizeKiB: prepared.sizeKiB,
          fileCount: prepared.fileCount,
          compressed: prepared.compressed,
          archivePath: prepared.archivePath,
        });
        log.info("folder prepared", {
          folder,
          sizeKiB: prepared.sizeKiB,
          fileCount: prepared.fileCount,
          archivePath: prepared.archivePath,
        });
        await report("done", { summary: prepared.summary });
      } catch (error) {
        await progress.close();
        const reason = step.stopReason();
        if (reason === "stopping") throw error;
        if (reason === "operator") {
          log.info("step stopped for an abort; nothing was left in scratch_path");
          await report("aborted");
          return;
        }
        if (reason === "gone" || isStaleReport(error)) {
          log.info("the job no longer runs this attempt; the step was stopped", { error });
          return;
        }
        if (isUnreachable(error)) throw error;
        log.warn("prepare failed", { folder, error });
        await report("failed", { error: errorInfoOf(error) });
      } finally {
        context.signal.removeEventListener("abort", stopWithService);
      }
    } finally {
      deps.steps.end(key);
    }
  };
}

function isUnreachable(error: unknown): boolean {
  return error instanceof PytarchiveError && UNREACHABLE_CODES.has(error.code);
}

/** The catalog refused to record the result: the job was ended or requeued meanwhile. */
function isStaleReport(error: unknown): boolean {
  return (
    error instanceof PytarchiveError &&
    (error.code === "JOB_STATE_CONFLICT" || error.code === "UNKNOWN_JOB")
  );
}
