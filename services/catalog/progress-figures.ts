import { type Kysely, sql } from "kysely";
import { type CatalogJob, JOB_EVENTS, type ProgressFigures } from "../../shared/messages/index.ts";
import type { CatalogSchema, JobRow } from "./db/index.ts";
import { jobToWire } from "./to-wire.ts";

/*
 * A job's progress as numbers comes from its last `job.progress` event (the events table keeps
 * every report with its numbers), so the jobs table needs no column per number.
 */

type Payload = Readonly<Record<string, unknown>>;

/**
 * The jobs as the catalog answers with them, each with its progress figures: a running job's
 * last report of this run (live); a failed job's last report that had numbers (where it
 * stopped, without rate or time left); none for queued and finished jobs.
 */
export async function jobsWithProgressFigures(
  db: Kysely<CatalogSchema>,
  jobs: readonly JobRow[],
): Promise<CatalogJob[]> {
  return Promise.all(
    jobs.map(async (job) => ({
      ...jobToWire(job),
      progressFigures: await progressFiguresOf(db, job),
    })),
  );
}

async function progressFiguresOf(
  db: Kysely<CatalogSchema>,
  job: JobRow,
): Promise<ProgressFigures | null> {
  const live = job.state === "running";
  if ((!live && job.state !== "failed") || job.startedAt === null) return null;
  let query = db
    .selectFrom("events")
    .select(["payload", "createdAt"])
    .where("jobId", "=", job.id)
    .where("kind", "=", JOB_EVENTS.progress)
    // Reports of an earlier run (before a requeue) are not this run's progress.
    .where("createdAt", ">=", job.startedAt);
  if (!live) {
    query = query.where(
      sql<boolean>`(payload ? 'bytesDone' OR payload ? 'filesDone' OR payload ? 'percent')`,
    );
  }
  const row = await query.orderBy("id", "desc").limit(1).executeTakeFirst();
  if (row === undefined || typeof row.payload !== "object" || row.payload === null) return null;
  return figuresOf(row.payload as Payload, row.createdAt, live);
}

/** One report's numbers; a job that no longer runs keeps where it stopped, not a rate. */
export function figuresOf(payload: Payload, at: Date, live: boolean): ProgressFigures {
  const count = (key: string): number | null => {
    const value = payload[key];
    return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null;
  };
  const percent = count("percent");
  return {
    step: typeof payload.step === "string" ? payload.step : "unknown",
    percent: percent === null ? null : Math.min(100, percent),
    bytesDone: count("bytesDone"),
    bytesTotal: count("bytesTotal"),
    filesDone: count("filesDone"),
    filesTotal: count("filesTotal"),
    bytesPerSecond: live ? count("bytesPerSecond") : null,
    filesPerSecond: live ? count("filesPerSecond") : null,
    etaSeconds: live ? count("etaSeconds") : null,
    at: at.toISOString(),
    live,
  };
}
