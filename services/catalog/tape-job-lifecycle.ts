import type { Kysely } from "kysely";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { type ErrorInfo, JOB_EVENTS } from "../../shared/messages/index.ts";
import { CATALOG_REFUSAL_CODES } from "./catalog-errors.ts";
import {
  type CatalogSchema,
  getJob,
  inTransaction,
  type JobRow,
  setPendingError,
  startJobById,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent } from "./job-events.ts";
import { recordJobStarted, runningJobOrThrow } from "./job-lifecycle.ts";

/*
 * The two changes only tape jobs make: the scheduler starts a job it picked for a drive, and a
 * failing job keeps its error until the drive is released (the scheduler then calls job-fail).
 */

/**
 * queued → running for the job `id` on `drive`, with a `job.started` event like a claim's.
 * `job: null` when the job is no longer queued (another scheduler started it, or it was
 * aborted); UNKNOWN_JOB when there is no such job.
 */
export async function startJobWithEvents(
  db: Kysely<CatalogSchema>,
  input: { id: string; worker: string; drive: number | null },
): Promise<{ job: JobRow | null; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const job = await startJobById(trx, input.id, { drive: input.drive });
    if (job === null) {
      if ((await getJob(trx, input.id)) === null) {
        throw new PytarchiveError(CATALOG_REFUSAL_CODES.unknownJob, `No job with id ${input.id}.`, {
          hint: "Run `pytarchive queue` to list the ids of running, queued and failed jobs.",
        });
      }
      return { job: null, events: [] };
    }
    return { job, events: [await recordJobStarted(trx, job, input.worker)] };
  });
}

/**
 * A running tape job failed at `step`: the error is kept as its pending error (it becomes the
 * job's failure once the drive is released) and shown as its progress, with a `job.progress`
 * event. A second report replaces the first. Refused (JOB_STATE_CONFLICT) unless the job runs
 * this attempt.
 */
export async function recordJobFailing(
  db: Kysely<CatalogSchema>,
  input: { id: string; attempt?: number; step: string; error: ErrorInfo },
): Promise<{ job: JobRow; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    await runningJobOrThrow(trx, input.id, input.attempt, "record the failure of");
    const text = `failed at ${input.step} (${input.error.code}: ${input.error.message}); releasing the drive`;
    const job = await setPendingError(
      trx,
      input.id,
      {
        code: input.error.code,
        message: input.error.message,
        ...(input.error.hint === undefined ? {} : { hint: input.error.hint }),
        // The job ends after the release steps; its failure names this step, where it failed.
        step: input.step,
      },
      { progress: text },
    );
    // The row is locked and running (checked above), so the update cannot miss it.
    if (job === null) throw new Error(`job ${input.id} stopped running inside its own lock`);
    const event = await recordJobEvent(trx, JOB_EVENTS.progress, job.id, {
      jobId: job.id,
      step: input.step,
      text,
      at: new Date().toISOString(),
    });
    return { job, events: [event] };
  });
}
