import { Type } from "@sinclair/typebox";
import {
  AttemptSchema,
  ErrorInfoSchema,
  JobIdSchema,
  StepSchema,
  TimestampSchema,
} from "./common-schemas.ts";
import { defineMessage, type MessageType } from "./define-message.ts";
import { subjects } from "./subjects.ts";

/*
 * How a worker hands the result of one step back to the scheduler. The scheduler sends a step as
 * a WorkItem on `pyt.<lib>.work.<service>.<step>`; the worker answers with a StepResult on the
 * scheduler's own work queue, `pyt.<lib>.work.scheduler.step-result`. Both are JetStream work
 * queues, so a result waits for a scheduler that is down and is handled once it is back.
 */

/** How a step ended: it did its work, it failed (with the error), or it stopped for an abort. */
export const STEP_OUTCOMES = ["done", "failed", "aborted"] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

/** The step token of the scheduler's result queue. */
export const STEP_RESULT_STEP = "step-result";

/** The end of one step of one job, from the worker that ran it. */
export const StepResult = defineMessage(
  "step.result",
  Type.Object({
    jobId: JobIdSchema,
    step: StepSchema,
    attempt: AttemptSchema,
    outcome: Type.Union(STEP_OUTCOMES.map((outcome) => Type.Literal(outcome))),
    /** Why it failed (outcome `failed`), as the operator will read it in `pytarchive queue`. */
    error: Type.Optional(ErrorInfoSchema),
    /** One line on what was done (outcome `done`), e.g. "1,204 files, 3.2 GiB". */
    summary: Type.Optional(Type.String()),
    /** The service instance that ran the step. */
    worker: Type.String({ minLength: 1 }),
    at: TimestampSchema,
  }),
);
export type StepResult = MessageType<typeof StepResult>;

/**
 * Where step results go: the scheduler's work queue of library `libraryId`.
 *
 * @example
 * stepResultSubject("lib1"); // "pyt.lib1.work.scheduler.step-result"
 */
export function stepResultSubject(libraryId: string): string {
  return subjects(libraryId).work("scheduler", STEP_RESULT_STEP);
}

/**
 * The message id of a step result: `<jobId>.<step>.<attempt>.result`. A worker that reports
 * again after a crash (before its work item was acknowledged) sends a duplicate JetStream drops.
 *
 * @example
 * stepResultMessageId({ jobId: "3fa2b1c0", step: "prepare", attempt: 1 }); // "3fa2b1c0.prepare.1.result"
 */
export function stepResultMessageId(
  result: Pick<StepResult, "jobId" | "step" | "attempt">,
): string {
  return `${result.jobId}.${result.step}.${result.attempt}.result`;
}
