import { type Kysely, sql } from "kysely";
import {
  type CatalogReply,
  JOB_DURATION_BUCKETS_SECONDS,
  JOB_EVENTS,
  type JobKind,
  type JobRunOutcome,
} from "../../shared/messages/index.ts";
import type { CatalogSchema } from "./db/index.ts";

type Statistics = CatalogReply<"job-statistics">;

/** The job states `pytarchive queue` lists: what waits, runs, or failed and waits for a person. */
const QUEUE_STATES = ["queued", "running", "failed"] as const;

/** Which event ends a run, and how. */
const RUN_ENDINGS: Readonly<Record<string, JobRunOutcome>> = {
  [JOB_EVENTS.finished]: "done",
  [JOB_EVENTS.failed]: "failed",
  [JOB_EVENTS.aborted]: "aborted",
};

/**
 * The numbers behind the gateway's /metrics, counted from the jobs and events tables at each
 * call. Counts come from rows that are never rewritten (events; done jobs), so they only grow:
 * Prometheus counters that survive any restart. Both dialects return counts as text or number;
 * everything goes through Number().
 */
export async function readJobStatistics(db: Kysely<CatalogSchema>): Promise<Statistics> {
  const [states, runs, moved, lastSuccess, running] = await Promise.all([
    queueStates(db),
    endedRuns(db),
    movedPerDrive(db),
    lastSuccesses(db),
    runningJobs(db),
  ]);
  return { states, runs, moved, lastSuccess, running };
}

async function queueStates(db: Kysely<CatalogSchema>): Promise<Statistics["states"]> {
  const rows = await db
    .selectFrom("jobs")
    .select(["state", "kind", sql<number>`count(*)`.as("jobs")])
    .where("state", "in", QUEUE_STATES)
    .groupBy(["state", "kind"])
    .execute();
  return rows.map((row) => ({ state: row.state, kind: row.kind, jobs: Number(row.jobs) }));
}

/**
 * Every run that ended: an ending event paired with the latest `job.started` of its job with no
 * other ending in between (an abort of a failed job ends nothing new; a job aborted while
 * queued never ran).
 */
async function endedRuns(db: Kysely<CatalogSchema>): Promise<Statistics["runs"]> {
  const endings = Object.keys(RUN_ENDINGS);
  const bucketColumns = JOB_DURATION_BUCKETS_SECONDS.map(
    (bound, index) => sql`count(*) filter (where seconds <= ${bound}) as ${sql.ref(`b${index}`)}`,
  );
  const { rows } = await sql<Record<string, unknown> & { kind: JobKind; ending: string }>`
    with runs as (
      select jobs.kind, ending.kind as ending,
        greatest(extract(epoch from (ending.created_at - start.created_at))::float8, 0) as seconds
      from events ending
      join jobs on jobs.id = ending.job_id
      join lateral (
        select started.id, started.created_at from events started
        where started.job_id = ending.job_id and started.kind = ${JOB_EVENTS.started}
          and started.id < ending.id
        order by started.id desc limit 1
      ) start on true
      where ending.kind in (${sql.join(endings)})
        and not exists (
          select 1 from events other
          where other.job_id = ending.job_id and other.kind in (${sql.join(endings)})
            and other.id > start.id and other.id < ending.id
        )
    )
    select kind, ending, count(*) as count, coalesce(sum(seconds), 0) as total,
      ${sql.join(bucketColumns)}
    from runs group by kind, ending
  `.execute(db);
  return rows.map((row) => ({
    kind: row.kind,
    outcome: RUN_ENDINGS[row.ending] as JobRunOutcome,
    count: Number(row.count),
    sumSeconds: Number(row.total),
    buckets: JOB_DURATION_BUCKETS_SECONDS.map((_bound, index) => Number(row[`b${index}`])),
  }));
}

async function movedPerDrive(db: Kysely<CatalogSchema>): Promise<Statistics["moved"]> {
  const rows = await db
    .selectFrom("jobs")
    .select([
      "drive",
      "kind",
      sql<number>`coalesce(sum(bytes_moved), 0)`.as("bytes"),
      sql<number>`coalesce(sum(files_moved), 0)`.as("files"),
    ])
    .where("state", "=", "done")
    .where("drive", "is not", null)
    .where("bytesMoved", "is not", null)
    .groupBy(["drive", "kind"])
    .execute();
  return rows.map((row) => ({
    drive: Number(row.drive),
    kind: row.kind,
    bytes: Number(row.bytes),
    files: Number(row.files),
  }));
}

async function lastSuccesses(db: Kysely<CatalogSchema>): Promise<Statistics["lastSuccess"]> {
  const rows = await db
    .selectFrom("jobs")
    .select(["kind", sql<Date>`max(finished_at)`.as("at")])
    .where("state", "=", "done")
    .where("finishedAt", "is not", null)
    .groupBy("kind")
    .execute();
  return rows.map((row) => ({ kind: row.kind, at: new Date(row.at).toISOString() }));
}

async function runningJobs(db: Kysely<CatalogSchema>): Promise<Statistics["running"]> {
  const rows = await db
    .selectFrom("jobs")
    .select(["id", "kind", "drive", "updatedAt"])
    .where("state", "=", "running")
    .orderBy("id")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    drive: row.drive,
    changedAt: new Date(row.updatedAt).toISOString(),
  }));
}
