import type { Kysely } from "kysely";
import type { CatalogJobKind } from "../../shared/messages/index.ts";
import { type CatalogSchema, type JobRow, roomKiBOf } from "./db/index.ts";

/** States of a job that still holds its folder or tape: it may run (again) later. */
export const UNFINISHED_JOB_STATES = ["queued", "running", "failed"] as const;

/** Unfinished jobs of the given kinds, oldest first. */
export function pendingJobsOf(
  db: Kysely<CatalogSchema>,
  kinds: readonly CatalogJobKind[],
): Promise<JobRow[]> {
  return db
    .selectFrom("jobs")
    .selectAll()
    .where("kind", "in", kinds)
    .where("state", "in", UNFINISHED_JOB_STATES)
    .orderBy("createdAt")
    .orderBy("seq")
    .execute();
}

/** States of an archive job that will still write to its tape: a failed one holds no room. */
const RESERVING_JOB_STATES: ReadonlySet<string> = new Set(["queued", "running"]);

/**
 * KiB that queued and running archive jobs will write, per tape (their folders' apparent sizes,
 * as LTFS stores them). Failed and aborted jobs reserve nothing: a requeue checks room again on
 * the tape itself before writing.
 */
export async function reservedKiBByTape(
  db: Kysely<CatalogSchema>,
  pendingArchives: readonly JobRow[],
): Promise<Map<string, number>> {
  const reserving = pendingArchives.filter((job) => RESERVING_JOB_STATES.has(job.state));
  const paths = reserving.flatMap((job) =>
    typeof job.args.folder === "string" ? [job.args.folder] : [],
  );
  const sizes = new Map<string, number>();
  if (paths.length > 0) {
    const folders = await db
      .selectFrom("folders")
      .select(["path", "sizeKib", "apparentBytes"])
      .where("path", "in", paths)
      .execute();
    for (const folder of folders) sizes.set(folder.path, roomKiBOf(folder));
  }
  const reserved = new Map<string, number>();
  for (const job of reserving) {
    const { tape, folder } = job.args;
    if (typeof tape !== "string" || typeof folder !== "string") continue;
    reserved.set(tape, (reserved.get(tape) ?? 0) + (sizes.get(folder) ?? 0));
  }
  return reserved;
}
