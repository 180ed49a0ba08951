import type { ErrorCode } from "../../shared/errors/index.ts";

/**
 * Codes the scheduler fails jobs with (their meaning and hint are in the error catalogue,
 * shared/errors). Stable: the CLI and scripts match on them; retired codes are not reused.
 */
export const SCHEDULER_ERROR_CODES = {
  /** The worker service never answered about a running job (not running, or hung). */
  workerSilent: "WORKER_SILENT",
  /** A worker reported a step that is not part of the job's plan (mismatched versions). */
  unknownStep: "UNKNOWN_STEP",
  /** A worker stopped a step although nobody asked to abort the job. */
  stepStopped: "STEP_STOPPED",
} as const satisfies Record<string, ErrorCode>;
