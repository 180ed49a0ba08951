import type { Kysely, Transaction } from "kysely";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { JOB_ABORT_REQUESTED, JOB_EVENTS } from "../../shared/messages/index.ts";
import type { OwnFolders } from "../../shared/originals/index.ts";
import { CATALOG_REFUSAL_CODES } from "./catalog-errors.ts";
import { checkJobToRequeue } from "./create-checked-job.ts";
import {
  abortJobs,
  type CatalogSchema,
  inTransaction,
  type JobRow,
  type JobState,
  requeueJobs,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent, recordJobQueued } from "./job-events.ts";
import { forgetUnpreparedFolder } from "./job-lifecycle.ts";
import { sourcesOf } from "./job-states.ts";
import { inLibraryCommand } from "./other-library.ts";

/**
 * An id given that was not acted on, and why, in the original's words, with the catalogue's
 * code for it, so that a script can tell an unknown id from one in the wrong state.
 */
export interface SkippedJob {
  readonly id: string;
  /** UNKNOWN_JOB, JOB_STATE_CONFLICT, or the code of the queue-time check a requeue failed. */
  readonly code: string;
  readonly reason: string;
}

/**
 * The ids given, locked, split into those `allowed` states let through and the others with
 * why: as the original did, one unknown or unsuitable id does not stop the rest. A job of
 * another library than `libraryId` is skipped with the command to run there (`verb`).
 */
async function sortOutIds(
  trx: Transaction<CatalogSchema>,
  ids: readonly string[],
  allowed: readonly JobState[],
  why: (job: JobRow) => string,
  scope: { libraryId: string; verb: string },
): Promise<{ acted: JobRow[]; skipped: SkippedJob[] }> {
  const rows =
    ids.length === 0
      ? []
      : await trx.selectFrom("jobs").selectAll().where("id", "in", ids).forUpdate().execute();
  const jobs = new Map(rows.map((job) => [job.id, job]));
  const acted: JobRow[] = [];
  const skipped: SkippedJob[] = [];
  for (const id of ids) {
    const job = jobs.get(id);
    if (job === undefined) skipped.push({ id, code: "UNKNOWN_JOB", reason: "not found" });
    else if (job.libraryId !== scope.libraryId) {
      const command = inLibraryCommand(job.libraryId, `pytarchive ${scope.verb} ${id}`);
      skipped.push({
        id,
        code: CATALOG_REFUSAL_CODES.jobInOtherLibrary,
        reason: `runs in library '${job.libraryId}': run \`${command}\``,
      });
    } else if (allowed.includes(job.state)) acted.push(job);
    else skipped.push({ id, code: "JOB_STATE_CONFLICT", reason: why(job) });
  }
  return { acted, skipped };
}

/**
 * failed → queued for the ids given or every failed job, with a `job.queued` event each. Each job
 * passes its kind's queue-time checks again first (an imported task never passed them; the
 * catalog may have changed since): one that fails them, or is unknown or did not fail, is
 * skipped with why; the others are requeued all the same.
 */
export async function requeueJobsWithEvents(
  db: Kysely<CatalogSchema>,
  selection: { ids: readonly string[] } | { allFailed: true },
  own: OwnFolders,
  libraryId: string,
): Promise<{ requeued: JobRow[]; skipped: SkippedJob[]; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const { acted, skipped } =
      "ids" in selection
        ? await sortOutIds(
            trx,
            selection.ids,
            sourcesOf("requeue"),
            (job) =>
              job.state === "queued"
                ? "was already queued"
                : job.state === "running"
                  ? "is running; only failed tasks can be requeued"
                  : `has already finished (${job.state}); only failed tasks can be requeued`,
            { libraryId, verb: "requeue" },
          )
        : { acted: await failedJobs(trx, libraryId), skipped: [] };
    const passed: string[] = [];
    for (const job of acted) {
      try {
        await checkJobToRequeue(trx, job, own);
        passed.push(job.id);
      } catch (error) {
        if (!(error instanceof PytarchiveError)) throw error;
        // Shown as the original's "Task ID <reason>." line: code, what is wrong, what to do.
        const why = `${error.message.replace(/ Nothing was queued\.$/, "")} ${error.hint ?? ""}`;
        skipped.push({
          id: job.id,
          code: error.code,
          reason: `cannot be requeued: ${error.code}: ${why.trim().replace(/\.$/, "")}`,
        });
      }
    }
    const requeued = passed.length === 0 ? [] : await requeueJobs(trx, { ids: passed });
    const events: RecordedJobEvent[] = [];
    for (const job of requeued)
      events.push(...(await recordJobQueued(trx, job, { created: false })));
    return { requeued, skipped, events };
  });
}

/** The failed jobs of library `libraryId`: what `requeue --all` there takes. */
function failedJobs(trx: Transaction<CatalogSchema>, libraryId: string): Promise<JobRow[]> {
  return trx
    .selectFrom("jobs")
    .selectAll()
    .where("libraryId", "=", libraryId)
    .where("state", "in", sourcesOf("requeue"))
    .orderBy("createdAt")
    .orderBy("seq")
    .forUpdate()
    .execute();
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
  libraryId: string,
): Promise<{
  aborted: JobRow[];
  stopRequested: JobRow[];
  tooLate: JobRow[];
  skipped: SkippedJob[];
  events: RecordedJobEvent[];
}> {
  return inTransaction(db, async (trx) => {
    const { acted, skipped } = await sortOutIds(
      trx,
      ids,
      ["queued", "failed", "running"],
      (job) => `has already finished (${job.state}); there is nothing to abort`,
      { libraryId, verb: "abort" },
    );
    const { aborted, stopRequested, tooLate } =
      acted.length === 0
        ? { aborted: [], stopRequested: [], tooLate: [] }
        : await abortJobs(
            trx,
            acted.map((job) => job.id),
          );
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
    return { aborted, stopRequested, tooLate, skipped, events };
  });
}
