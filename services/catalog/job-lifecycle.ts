import { type Kysely, sql, type Transaction } from "kysely";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { CatalogJobKind } from "../../shared/messages/index.ts";
import { type ErrorInfo, JOB_EVENTS } from "../../shared/messages/index.ts";
import { CATALOG_REFUSAL_CODES } from "./catalog-errors.ts";
import {
  CATALOG_ERROR_CODES,
  type CatalogSchema,
  claimNextJob,
  inTransaction,
  type JobRow,
  type JsonObject,
  markJobAborted,
  markJobDone,
  markJobFailed,
  setJobProgress,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent } from "./job-events.ts";
import { movedByJob } from "./job-moved.ts";

/*
 * The life of a running job: claimed by the scheduler, reported on by its worker, ended by the
 * scheduler. Each change and its event row are written in one transaction; the caller publishes
 * the events after the commit.
 */

type Trx = Transaction<CatalogSchema>;

/** The step named in the `job.started` event of a claim: the job left the queue. */
export const CLAIM_STEP = "start";

/**
 * queued → running for the first queued job of `kinds`, with a `job.started` event. With a
 * `limit`, nothing is claimed while that many jobs of these kinds run; claims are serialised so
 * that two schedulers cannot both take the last free place.
 */
export async function claimJobWithEvents(
  db: Kysely<CatalogSchema>,
  input: { kinds: readonly CatalogJobKind[]; worker: string; limit?: number },
  libraryId: string,
): Promise<{ job: JobRow | null; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    if (input.limit !== undefined) {
      await sql`select pg_advisory_xact_lock(hashtext('pytarchive:job-claim'))`.execute(trx);
      const { running } = await trx
        .selectFrom("jobs")
        .select((eb) => eb.fn.countAll<number>().as("running"))
        .where("libraryId", "=", libraryId)
        .where("state", "=", "running")
        .where("kind", "in", input.kinds)
        .executeTakeFirstOrThrow();
      if (Number(running) >= input.limit) return { job: null, events: [] };
    }
    const job = await claimNextJob(trx, { kinds: input.kinds, libraryId });
    if (job === null) return { job: null, events: [] };
    return { job, events: [await recordJobStarted(trx, job, input.worker)] };
  });
}

/** The `job.started` event of a job that just left the queue for its `attempts`-th run. */
export function recordJobStarted(trx: Trx, job: JobRow, worker: string): Promise<RecordedJobEvent> {
  return recordJobEvent(trx, JOB_EVENTS.started, job.id, {
    jobId: job.id,
    step: CLAIM_STEP,
    attempt: job.attempts,
    worker,
    at: new Date().toISOString(),
  });
}

/**
 * Records the progress text of a running job with a `job.progress` event. Returns `job: null`
 * and records nothing when the job no longer runs this attempt: its worker should stop.
 */
export async function recordJobProgress(
  db: Kysely<CatalogSchema>,
  input: {
    id: string;
    attempt?: number;
    step: string;
    percent?: number;
    text: string;
    /** The step's numbers (PROGRESS_COUNTS), kept in the event for the job's progress figures. */
    bytesDone?: number;
    bytesTotal?: number;
    filesDone?: number;
    filesTotal?: number;
    bytesPerSecond?: number;
    filesPerSecond?: number;
    etaSeconds?: number;
    /** The scheduler sent this step; without it, a worker reports on `step`. */
    waitingOn?: string;
    waitingRetry?: boolean;
  },
): Promise<{ job: JobRow | null; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const current = await lockJob(trx, input.id);
    if (current === null || current.state !== "running") return { job: null, events: [] };
    if (input.attempt !== undefined && current.attempts !== input.attempt) {
      return { job: null, events: [] };
    }
    const job = await setJobProgress(
      trx,
      input.id,
      input.text,
      input.waitingOn === undefined
        ? { reportedOn: input.step }
        : { waitingOn: input.waitingOn, retry: input.waitingRetry === true },
    );
    if (job === null) return { job: null, events: [] };
    const event = await recordJobEvent(trx, JOB_EVENTS.progress, job.id, {
      jobId: job.id,
      step: input.step,
      ...(input.percent === undefined ? {} : { percent: input.percent }),
      text: input.text,
      ...countsOf(input),
      at: new Date().toISOString(),
    });
    return { job, events: [event] };
  });
}

/**
 * running → done, with a `job.finished` event; the summary stays as the job's progress text.
 * What the job moved is recorded for its history (an archive recorded it when it committed).
 */
export async function finishJobWithEvents(
  db: Kysely<CatalogSchema>,
  input: { id: string; attempt?: number; summary?: string },
): Promise<{ job: JobRow; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const current = await runningJobOrThrow(trx, input.id, input.attempt, "finish");
    const moved = current.bytesMoved === null ? await movedByJob(trx, current) : null;
    let job = await markJobDone(trx, input.id, moved);
    if (input.summary !== undefined) {
      job = await trx
        .updateTable("jobs")
        .set({ progress: input.summary })
        .where("id", "=", input.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    const event = await recordJobEvent(trx, JOB_EVENTS.finished, job.id, {
      jobId: job.id,
      ...(input.summary === undefined ? {} : { summary: input.summary }),
      at: new Date().toISOString(),
    });
    return { job, events: [event] };
  });
}

/**
 * running → failed with the worker's error (as `pytarchive queue` shows it), with a `job.failed`
 * event. A job past its point of no return (committed: its folder is archived and verified)
 * still ends failed when a later step (an unmount or unload) went wrong — the admins must hear
 * of a tape stuck in a drive, and `requeue` is how the drive gets released — but its error says
 * first that the result stands, so nobody reads "failed" as "not archived". Its commit is kept.
 */
export async function failJobWithEvents(
  db: Kysely<CatalogSchema>,
  input: { id: string; attempt?: number; step: string; error: ErrorInfo },
): Promise<{ job: JobRow; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const current = await runningJobOrThrow(trx, input.id, input.attempt, "fail");
    const error =
      current.committedAt === null
        ? input.error
        : {
            ...input.error,
            message: `${committedResult(current)}; only its ${input.step} step failed afterwards: ${input.error.message}`,
          };
    const job = await markJobFailed(trx, input.id, formatJobError(error));
    const event = await recordJobEvent(trx, JOB_EVENTS.failed, job.id, {
      jobId: job.id,
      step: failedStep(current, input),
      attempt: current.attempts,
      error: { ...error },
      at: new Date().toISOString(),
    });
    return { job, events: [event] };
  });
}

/**
 * The step a job failed at. A tape job fails once its drive is released, so the scheduler ends
 * it from the release's last step (an unload); the step that failed is the one kept with the
 * pending error (`job-failing`) when that is the error it ends with.
 */
function failedStep(current: JobRow, input: { step: string; error: ErrorInfo }): string {
  const pending = current.pendingError;
  return pending !== null &&
    pending.code === input.error.code &&
    typeof pending.step === "string" &&
    pending.step !== ""
    ? pending.step
    : input.step;
}

/** What a committed job achieved, in the words `pytarchive queue` and `history` show. */
function committedResult(job: JobRow): string {
  const { folder, tape } = job.args;
  return job.kind === "archive" && typeof folder === "string" && typeof tape === "string"
    ? `${folder} is archived on tape ${tape}`
    : `job ${job.id}'s result is permanent`;
}

/**
 * running → aborted once the worker honoured an abort request, with a `job.aborted` event. A
 * prepare job also forgets its folder while that was only being prepared, as an abort of a
 * queued prepare job does, so the folder can be prepared again.
 */
export async function acknowledgeAbortWithEvents(
  db: Kysely<CatalogSchema>,
  input: { id: string; attempt?: number; reason?: string },
): Promise<{ job: JobRow; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const current = await runningJobOrThrow(trx, input.id, input.attempt, "mark aborted");
    if (!current.abortRequested) {
      throw new PytarchiveError(
        CATALOG_ERROR_CODES.jobStateConflict,
        `Job ${input.id} cannot be marked aborted: nobody asked to abort it.`,
        { hint: "`pytarchive abort ID` asks a running job to stop." },
      );
    }
    const job = await markJobAborted(trx, input.id);
    await forgetUnpreparedFolder(trx, job);
    const event = await recordJobEvent(trx, JOB_EVENTS.aborted, job.id, {
      jobId: job.id,
      reason:
        input.reason ??
        "aborted by the operator (pytarchive abort); its worker stopped and cleaned up",
      at: new Date().toISOString(),
    });
    return { job, events: [event] };
  });
}

/**
 * An error as one text for the jobs table and `pytarchive queue`: code and message on the first
 * line, what to do on the next.
 *
 * @example
 * formatJobError({ code: "FOLDER_NOT_FOUND", message: "/srv/a does not exist", hint: "Check the path." });
 * // "FOLDER_NOT_FOUND: /srv/a does not exist\nWhat to do: Check the path."
 */
export function formatJobError(error: ErrorInfo): string {
  const first = `${error.code}: ${error.message}`;
  return error.hint === undefined || error.hint === ""
    ? first
    : `${first}\nWhat to do: ${error.hint}`;
}

async function lockJob(trx: Trx, id: string): Promise<JobRow | null> {
  return (
    (await trx
      .selectFrom("jobs")
      .selectAll()
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst()) ?? null
  );
}

/** The job, locked, when it runs this attempt; UNKNOWN_JOB or JOB_STATE_CONFLICT otherwise. */
export async function runningJobOrThrow(
  trx: Trx,
  id: string,
  attempt: number | undefined,
  action: string,
): Promise<JobRow> {
  const job = await lockJob(trx, id);
  if (job === null) {
    throw new PytarchiveError(CATALOG_REFUSAL_CODES.unknownJob, `No job with id ${id}.`, {
      hint: "Run `pytarchive queue` to list the ids of running, queued and failed jobs.",
    });
  }
  if (job.state !== "running") {
    throw new PytarchiveError(
      CATALOG_ERROR_CODES.jobStateConflict,
      `Cannot ${action} job ${id}: it is ${job.state}, not running.`,
      { hint: "Run `pytarchive queue` to see the job's current state." },
    );
  }
  if (attempt !== undefined && job.attempts !== attempt) {
    throw new PytarchiveError(
      CATALOG_ERROR_CODES.jobStateConflict,
      `Cannot ${action} job ${id} for its attempt ${attempt}: it was requeued and now runs attempt ${job.attempts}.`,
      { hint: "A report from the earlier run arrived late; nothing was changed." },
    );
  }
  return job;
}

/** An aborted prepare leaves no folder behind that was never prepared (or failed preparing). */
export async function forgetUnpreparedFolder(
  trx: Transaction<CatalogSchema>,
  job: Pick<JobRow, "kind" | "args">,
): Promise<void> {
  if (job.kind !== "prepare" || typeof job.args.folder !== "string") return;
  await trx
    .deleteFrom("folders")
    .where("path", "=", job.args.folder)
    .where("state", "in", ["preparing", "failed"])
    .execute();
}

const COUNT_KEYS = [
  "bytesDone",
  "bytesTotal",
  "filesDone",
  "filesTotal",
  "bytesPerSecond",
  "filesPerSecond",
  "etaSeconds",
] as const;

/** The numbers a progress report carried, for its event (absent ones stay absent). */
function countsOf(input: Partial<Record<(typeof COUNT_KEYS)[number], number>>): JsonObject {
  const counts: JsonObject = {};
  for (const key of COUNT_KEYS) {
    const value = input[key];
    if (value !== undefined && Number.isFinite(value)) counts[key] = value;
  }
  return counts;
}
