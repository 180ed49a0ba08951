import { randomBytes } from "node:crypto";
import { type ExpressionBuilder, type Kysely, sql, type UpdateObject } from "kysely";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { DEFAULT_PRIORITIES } from "../../../shared/messages/index.ts";
import {
  abortDecision,
  checkTransition,
  FINISHED_JOB_STATES,
  type JobTransition,
  sourcesOf,
} from "../job-states.ts";
import type { CatalogSchema, JobKind, JobRow, JobState, JsonObject } from "./catalog-schema.ts";
import { CATALOG_ERROR_CODES } from "./errors.ts";
import { currentTime, inTransaction, jsonb } from "./sql-helpers.ts";

/** Default priorities, as in the original pytarchive; lower runs first. */
export const DEFAULT_JOB_PRIORITY: Readonly<Record<JobKind, number>> = DEFAULT_PRIORITIES;

export const JOB_ID_PATTERN = /^[0-9a-f]{8}$/;

/** Whether `text` has the form of a job id (eight lowercase hex digits). */
export function isJobId(text: string): boolean {
  return JOB_ID_PATTERN.test(text);
}

const ID_ATTEMPTS = 8;

/**
 * Queues a new job under a fresh random id (retried on the rare collision).
 *
 * @example
 * const job = await createJob(db, { libraryId: "default", kind: "archive", args: { folder: "/x", tape: "AAK788L9" } });
 * job.id; // "3fa2b1c0", job.state === "queued", job.priority === 100
 */
export async function createJob(
  db: Kysely<CatalogSchema>,
  input: {
    /** The library whose scheduler will run it (`[NATS] library_id` of the catalog service). */
    libraryId: string;
    kind: JobKind;
    args: JsonObject;
    /** Defaults to DEFAULT_JOB_PRIORITY[kind]. */
    priority?: number;
    /** Draws a candidate id; random by default (tests pass their own to force a collision). */
    id?: () => string;
  },
): Promise<JobRow> {
  const nextId = input.id ?? (() => randomBytes(4).toString("hex"));
  for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
    const job = await db
      .insertInto("jobs")
      .values({
        id: nextId(),
        libraryId: input.libraryId,
        kind: input.kind,
        args: jsonb(input.args),
        priority: input.priority ?? DEFAULT_JOB_PRIORITY[input.kind],
      })
      .onConflict((conflict) => conflict.column("id").doNothing())
      .returningAll()
      .executeTakeFirst();
    if (job !== undefined) return job;
  }
  throw new PytarchiveError(
    CATALOG_ERROR_CODES.jobIdExhausted,
    `Could not find a free job id in ${ID_ATTEMPTS} tries.`,
    { hint: "Retry the command; if this repeats, the jobs table is unusually full." },
  );
}

export async function getJob(db: Kysely<CatalogSchema>, id: string): Promise<JobRow | null> {
  return (await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
}

export interface JobQueue {
  /** Running jobs, the longest-running first. */
  readonly running: JobRow[];
  /** Waiting jobs in the order they will run: priority (lower first), then age. */
  readonly queued: JobRow[];
  /** Failed jobs with their error, the oldest failure first, until requeued or aborted. */
  readonly failed: JobRow[];
  /** Done and aborted jobs that ended within `recentMs`, the newest first: their last outcome. */
  readonly recent: JobRow[];
}

/** How long `pytarchive queue` still shows a done or aborted job. */
export const RECENT_OUTCOME_MS = 10 * 60 * 1000;

/**
 * What `pytarchive queue` shows: unfinished jobs, and done or aborted ones for `recentMs` after
 * they ended (then only `pytarchive history` lists them).
 */
export async function listQueue(
  db: Kysely<CatalogSchema>,
  options: { recentMs?: number; libraryId?: string } = {},
): Promise<JobQueue> {
  const recentMs = options.recentMs ?? RECENT_OUTCOME_MS;
  // One statement, so a job that changes state meanwhile is listed exactly once.
  const jobs = await inLibrary(db.selectFrom("jobs").selectAll(), options.libraryId)
    .where((eb) =>
      eb.or([
        eb("state", "in", ["running", "queued", "failed"]),
        eb.and([
          eb("state", "in", ["done", "aborted"]),
          eb(
            "finishedAt",
            ">",
            sql<Date>`clock_timestamp() - make_interval(secs => ${recentMs / 1000})`,
          ),
        ]),
      ]),
    )
    .orderBy("priority")
    .orderBy("createdAt")
    .orderBy("seq")
    .execute();
  const byTime = (time: (job: JobRow) => Date | null) => (a: JobRow, b: JobRow) =>
    (time(a)?.getTime() ?? 0) - (time(b)?.getTime() ?? 0);
  return {
    running: jobs.filter((job) => job.state === "running").sort(byTime((job) => job.startedAt)),
    queued: jobs.filter((job) => job.state === "queued"),
    failed: jobs.filter((job) => job.state === "failed").sort(byTime((job) => job.finishedAt)),
    recent: jobs
      .filter((job) => job.state === "done" || job.state === "aborted")
      .sort((a, b) => byTime((job) => job.finishedAt)(b, a) || b.seq - a.seq),
  };
}

/**
 * A query of jobs narrowed to one library's (`libraryId` given), or left to every library's
 * (absent: tools and tests that look at the whole site).
 */
export function inLibrary<Q extends { where: WhereLibrary<Q> }>(
  query: Q,
  libraryId: string | undefined,
): Q {
  return libraryId === undefined ? query : query.where("libraryId", "=", libraryId);
}

type WhereLibrary<Q> = (column: "libraryId", operator: "=", value: string) => Q;

export interface HistoryFilter {
  /** Only jobs of this library; absent: every library's. */
  readonly libraryId?: string;
  /** Only failed jobs. */
  readonly failedOnly?: boolean;
  /** Only jobs that ended at or after this time. */
  readonly since?: Date;
  /** At most this many (the newest). */
  readonly limit: number;
}

/**
 * Finished jobs (done, failed, aborted), the newest end first: what `pytarchive history` lists.
 * A failed job stays until it is requeued (then it runs again) or aborted.
 */
export function listHistory(db: Kysely<CatalogSchema>, filter: HistoryFilter): Promise<JobRow[]> {
  let query = inLibrary(db.selectFrom("jobs").selectAll(), filter.libraryId)
    .where("state", "in", filter.failedOnly === true ? ["failed"] : FINISHED_JOB_STATES)
    .where("finishedAt", "is not", null);
  if (filter.since !== undefined) query = query.where("finishedAt", ">=", filter.since);
  return query.orderBy("finishedAt", "desc").orderBy("seq", "desc").limit(filter.limit).execute();
}

/**
 * Takes the first queued job (by priority, then age) and marks it running, atomically: two
 * workers calling this at once never get the same job. Returns null when nothing is queued.
 * With `libraryId`, only that library's jobs are taken.
 */
export async function claimNextJob(
  db: Kysely<CatalogSchema>,
  options: { kinds?: readonly JobKind[]; libraryId?: string } = {},
): Promise<JobRow | null> {
  const kinds = options.kinds;
  if (kinds !== undefined && kinds.length === 0) return null;
  const job = await db
    .updateTable("jobs")
    .set((eb) => ({ ...startPatch(eb), updatedAt: currentTime() }))
    .where("state", "in", sourcesOf("start"))
    .where("id", "=", (eb) => {
      let next = eb
        .selectFrom("jobs as next")
        .select("next.id")
        .where("next.state", "in", sourcesOf("start"));
      if (kinds !== undefined) next = next.where("next.kind", "in", kinds);
      if (options.libraryId !== undefined) {
        next = next.where("next.libraryId", "=", options.libraryId);
      }
      return next
        .orderBy("next.priority")
        .orderBy("next.createdAt")
        .orderBy("next.seq")
        .limit(1)
        .forUpdate()
        .skipLocked();
    })
    .returningAll()
    .executeTakeFirst();
  return job ?? null;
}

/** queued → running, for a job the scheduler picked itself (e.g. its tape is already loaded). */
export function markJobRunning(db: Kysely<CatalogSchema>, id: string): Promise<JobRow> {
  return transitionJob(db, id, "start", startPatch);
}

/**
 * What every start changes: a fresh attempt, nothing left of the one before, except a commit:
 * a result that became permanent stays so (an archived folder is never "not yet archived"
 * again, so an abort stays too late and its copy is never moved aside).
 */
function startPatch(
  eb: ExpressionBuilder<CatalogSchema, "jobs">,
): UpdateObject<CatalogSchema, "jobs"> {
  return {
    state: "running",
    startedAt: currentTime(),
    progress: null,
    pendingError: null,
    waitingOn: null,
    waitingRetry: false,
    currentStep: null,
    bytesMoved: null,
    filesMoved: null,
    attempts: eb("attempts", "+", 1),
  };
}

/**
 * queued → running for the job `id` on `drive` (null for a job that needs none), counting an
 * attempt; a pending error of an earlier run is cleared. One conditional UPDATE, so of two
 * schedulers starting the same job only one gets it: null when the job is not (or no longer)
 * queued, or unknown.
 *
 * @example
 * const job = await startJobById(db, "3fa2b1c0", { drive: 1 }); // null if someone else started it
 */
export async function startJobById(
  db: Kysely<CatalogSchema>,
  id: string,
  options: { drive: number | null },
): Promise<JobRow | null> {
  const job = await db
    .updateTable("jobs")
    .set((eb) => ({ ...startPatch(eb), drive: options.drive, updatedAt: currentTime() }))
    .where("id", "=", id)
    .where("state", "in", sourcesOf("start"))
    .returningAll()
    .executeTakeFirst();
  return job ?? null;
}

/**
 * Keeps (or, with null, forgets) the error a running job will end with once its drive is
 * released; `progress`, when given, becomes its progress text. Null (nothing changed) when the
 * job is not running.
 */
export async function setPendingError(
  db: Kysely<CatalogSchema>,
  id: string,
  pendingError: JsonObject | null,
  options: { progress?: string } = {},
): Promise<JobRow | null> {
  const job = await db
    .updateTable("jobs")
    .set({
      pendingError: pendingError === null ? null : jsonb(pendingError),
      // The failed step is no longer waited on; the release is sent next.
      ...(pendingError === null ? {} : { waitingOn: null, waitingRetry: false }),
      ...(options.progress === undefined ? {} : { progress: options.progress }),
      updatedAt: currentTime(),
    })
    .where("id", "=", id)
    .where("state", "=", "running")
    .returningAll()
    .executeTakeFirst();
  return job ?? null;
}

/** running → done; `moved`, when known, is what the job read, wrote or checked. */
export function markJobDone(
  db: Kysely<CatalogSchema>,
  id: string,
  moved: { bytes: number; files: number } | null = null,
): Promise<JobRow> {
  return transitionJob(db, id, "finish", () => ({
    state: "done",
    finishedAt: currentTime(),
    waitingOn: null,
    waitingRetry: false,
    ...(moved === null ? {} : { bytesMoved: moved.bytes, filesMoved: moved.files }),
  }));
}

/** queued or running → failed, keeping `error` for `pytarchive queue`. */
export function markJobFailed(
  db: Kysely<CatalogSchema>,
  id: string,
  error: string,
): Promise<JobRow> {
  return transitionJob(db, id, "fail", () => ({
    state: "failed",
    error,
    finishedAt: currentTime(),
    waitingOn: null,
    waitingRetry: false,
  }));
}

/** running → aborted, once the worker of a job asked to abort has stopped and cleaned up. */
export function markJobAborted(db: Kysely<CatalogSchema>, id: string): Promise<JobRow> {
  return transitionJob(db, id, "abort-ack", () => ({
    state: "aborted",
    finishedAt: currentTime(),
    waitingOn: null,
    waitingRetry: false,
  }));
}

/** running, not yet committed → committed: its result is permanent, an abort now comes too late. */
export async function markJobCommitted(
  db: Kysely<CatalogSchema>,
  id: string,
  moved: { bytes: number; files: number } | null = null,
): Promise<JobRow | null> {
  const job = await db
    .updateTable("jobs")
    .set({
      committedAt: currentTime(),
      updatedAt: currentTime(),
      ...(moved === null ? {} : { bytesMoved: moved.bytes, filesMoved: moved.files }),
    })
    .where("id", "=", id)
    .where("state", "=", "running")
    .returningAll()
    .executeTakeFirst();
  return job ?? null;
}

/** What the step a running job waits on becomes (see job-states.ts). */
export type WaitingChange =
  /** The scheduler sent `step` (a retried unload when `retry`). */
  | { readonly waitingOn: string; readonly retry?: boolean }
  /** A worker reported on `step`: the job no longer waits for it to be taken up. */
  | { readonly reportedOn: string };

/**
 * Sets the progress text of a running job, and what it waits on. Returns null (and changes
 * nothing) when the job is no longer running: a late report from a worker that was stopped is
 * not an error.
 */
export async function setJobProgress(
  db: Kysely<CatalogSchema>,
  id: string,
  progress: string | null,
  waiting: WaitingChange | null = null,
): Promise<JobRow | null> {
  const job = await db
    .updateTable("jobs")
    .set((eb) => ({
      progress,
      updatedAt: currentTime(),
      ...(waiting === null
        ? {}
        : "waitingOn" in waiting
          ? {
              waitingOn: waiting.waitingOn,
              waitingRetry: waiting.retry === true,
              currentStep: waiting.waitingOn,
            }
          : {
              // Only a report on the awaited step means it was taken up.
              waitingOn: eb
                .case()
                .when("waitingOn", "=", waiting.reportedOn)
                .then(null)
                .else(eb.ref("waitingOn"))
                .end(),
            }),
    }))
    .where("id", "=", id)
    .where("state", "=", "running")
    .returningAll()
    .executeTakeFirst();
  return job ?? null;
}

/**
 * failed → queued, for the listed ids or every failed job. The error, pending error, progress and
 * times of the failed run are cleared (its drive stays, as history until the next start; its
 * commit, if it had one, stays too); the
 * job keeps its priority and age, so it returns to its old place.
 * With ids: all must exist and have failed, or nothing changes (UNKNOWN_JOB / JOB_STATE_CONFLICT).
 */
export async function requeueJobs(
  db: Kysely<CatalogSchema>,
  selection: { ids: readonly string[] } | { allFailed: true },
): Promise<JobRow[]> {
  return inTransaction(db, async (trx) => {
    let ids: readonly string[];
    if ("ids" in selection) {
      const jobs = await lockJobs(trx, selection.ids);
      refuseUnless(jobs, sourcesOf("requeue"), "requeue", "only failed jobs can be requeued");
      ids = selection.ids;
    } else {
      ids = (
        await trx
          .selectFrom("jobs")
          .select("id")
          .where("state", "in", sourcesOf("requeue"))
          .forUpdate()
          .execute()
      ).map((job) => job.id);
    }
    if (ids.length === 0) return [];
    const requeued = await trx
      .updateTable("jobs")
      .set({
        state: "queued",
        error: null,
        pendingError: null,
        progress: null,
        startedAt: null,
        finishedAt: null,
        abortRequested: false,
        waitingOn: null,
        waitingRetry: false,
        // committedAt stays: see startPatch.
        bytesMoved: null,
        filesMoved: null,
        updatedAt: currentTime(),
      })
      .where("id", "in", ids)
      .where("state", "in", sourcesOf("requeue"))
      .returningAll()
      .execute();
    return sortLike(requeued, ids);
  });
}

export interface AbortResult {
  /** Queued or failed jobs now aborted: they leave the queue listing. */
  readonly aborted: JobRow[];
  /** Running jobs asked to stop (`abortRequested`); their worker marks them aborted. */
  readonly stopRequested: JobRow[];
  /**
   * Running jobs past their point of no return (e.g. the folder is archived): left as they
   * are, they end done.
   */
  readonly tooLate: JobRow[];
}

/**
 * `pytarchive abort ID...`: queued and failed jobs become aborted at once; running ones are asked
 * to stop, unless they committed (too late). All ids must exist and be unfinished, or nothing
 * changes.
 */
export async function abortJobs(
  db: Kysely<CatalogSchema>,
  ids: readonly string[],
): Promise<AbortResult> {
  return inTransaction(db, async (trx) => {
    const jobs = await lockJobs(trx, ids);
    refuseUnless(
      jobs,
      ["queued", "failed", "running"],
      "abort",
      "it has already finished; only queued, running or failed jobs can be aborted",
    );
    const decided = (decision: string) =>
      ids.filter((id) => {
        const job = jobs.get(id);
        return job !== undefined && abortDecision(job) === decision;
      });
    const pending = decided("abort-now");
    const running = decided("ask-to-stop");
    const tooLate = ids.flatMap((id) => {
      const job = jobs.get(id);
      return job !== undefined && abortDecision(job) === "too-late" ? [job] : [];
    });
    const aborted =
      pending.length === 0
        ? []
        : await trx
            .updateTable("jobs")
            .set({ state: "aborted", finishedAt: currentTime(), updatedAt: currentTime() })
            .where("id", "in", pending)
            .where("state", "in", sourcesOf("abort"))
            .returningAll()
            .execute();
    const stopRequested =
      running.length === 0
        ? []
        : await trx
            .updateTable("jobs")
            .set({ abortRequested: true, updatedAt: currentTime() })
            .where("id", "in", running)
            .returningAll()
            .execute();
    return {
      aborted: sortLike(aborted, pending),
      stopRequested: sortLike(stopRequested, running),
      tooLate,
    };
  });
}

type JobPatch = (
  eb: ExpressionBuilder<CatalogSchema, "jobs">,
) => UpdateObject<CatalogSchema, "jobs">;

/** Applies `transition` (job-states.ts) to job `id`, or refuses it as the state machine does. */
async function transitionJob(
  db: Kysely<CatalogSchema>,
  id: string,
  transition: JobTransition,
  patch: JobPatch,
): Promise<JobRow> {
  const job = await db
    .updateTable("jobs")
    .set((eb) => ({ ...patch(eb), updatedAt: currentTime() }))
    .where("id", "=", id)
    .where("state", "in", sourcesOf(transition))
    .returningAll()
    .executeTakeFirst();
  if (job !== undefined) return job;
  const current = await getJob(db, id);
  if (current === null) throw jobNotFound([id]);
  checkTransition(current, transition);
  throw new PytarchiveError(
    CATALOG_ERROR_CODES.jobStateConflict,
    `Cannot ${transition} job ${id}: it changed meanwhile.`,
    { hint: "Run `pytarchive queue` to see the job's current state." },
  );
}

async function lockJobs(
  db: Kysely<CatalogSchema>,
  ids: readonly string[],
): Promise<Map<string, JobRow>> {
  const rows =
    ids.length === 0
      ? []
      : await db.selectFrom("jobs").selectAll().where("id", "in", ids).forUpdate().execute();
  const jobs = new Map(rows.map((job) => [job.id, job]));
  const unknown = ids.filter((id) => !jobs.has(id));
  if (unknown.length > 0) throw jobNotFound(unknown);
  return jobs;
}

function refuseUnless(
  jobs: ReadonlyMap<string, JobRow>,
  allowed: readonly JobState[],
  action: string,
  rule: string,
): void {
  const refused = [...jobs.values()].filter((job) => !allowed.includes(job.state));
  if (refused.length === 0) return;
  const list = refused.map((job) => `${job.id} is ${job.state}`).join(", ");
  throw new PytarchiveError(
    CATALOG_ERROR_CODES.jobStateConflict,
    `Cannot ${action} ${list}: ${rule}. Nothing was changed.`,
    { hint: "Run `pytarchive queue` to see each job's state, then repeat without those ids." },
  );
}

function jobNotFound(ids: readonly string[]): PytarchiveError {
  const plural = ids.length > 1;
  return new PytarchiveError(
    CATALOG_ERROR_CODES.jobNotFound,
    `No job with id${plural ? "s" : ""} ${ids.join(", ")}. Nothing was changed.`,
    { hint: "Run `pytarchive queue` to list the ids of running, queued and failed jobs." },
  );
}

function sortLike(jobs: JobRow[], ids: readonly string[]): JobRow[] {
  const order = new Map(ids.map((id, index) => [id, index]));
  return jobs.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}
