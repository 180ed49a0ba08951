import type { Kysely } from "kysely";
import { JOB_ABORT_REQUESTED, JOB_EVENTS } from "../../shared/messages/index.ts";
import {
  abortJobs,
  type CatalogSchema,
  inTransaction,
  type JobRow,
  requeueJobs,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent, recordJobQueued } from "./job-events.ts";
import { forgetUnpreparedFolder } from "./job-lifecycle.ts";

/**
 * failed → queued for the ids given or every failed job, with a `job.queued` event each.
 * All ids must exist and have failed, or nothing changes (UNKNOWN_JOB / JOB_STATE_CONFLICT).
 */
export async function requeueJobsWithEvents(
  db: Kysely<CatalogSchema>,
  selection: { ids: readonly string[] } | { allFailed: true },
): Promise<{ requeued: JobRow[]; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const requeued = await requeueJobs(trx, selection);
    const events: RecordedJobEvent[] = [];
    for (const job of requeued)
      events.push(...(await recordJobQueued(trx, job, { created: false })));
    return { requeued, events };
  });
}

/**
 * Aborts queued and failed jobs at once and asks running ones to stop, with a `job.aborted` or
 * `job.abort-requested` event each; running jobs past their point of no return are left to end
 * done (`tooLate`). An aborted prepare job also forgets its folder while the folder was only
 * being prepared, so the folder can be prepared again.
 */
export async function abortJobsWithEvents(
  db: Kysely<CatalogSchema>,
  ids: readonly string[],
): Promise<{
  aborted: JobRow[];
  stopRequested: JobRow[];
  tooLate: JobRow[];
  events: RecordedJobEvent[];
}> {
  return inTransaction(db, async (trx) => {
    const { aborted, stopRequested, tooLate } = await abortJobs(trx, ids);
    const at = new Date().toISOString();
    const events: RecordedJobEvent[] = [];
    for (const job of aborted) {
      await forgetUnpreparedFolder(trx, job);
      events.push(
        await recordJobEvent(trx, JOB_EVENTS.aborted, job.id, {
          jobId: job.id,
          reason: "aborted by the operator (pytarchive abort)",
          at,
        }),
      );
    }
    for (const job of stopRequested) {
      events.push(await recordJobEvent(trx, JOB_ABORT_REQUESTED, job.id, { jobId: job.id, at }));
    }
    return { aborted, stopRequested, tooLate, events };
  });
}
