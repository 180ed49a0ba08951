import { type Kysely, sql } from "kysely";
import { FOLDER_EVENTS } from "../../shared/messages/index.ts";
import type { CatalogSchema } from "./db/index.ts";

/**
 * The archived folders whose last verification failed, and when: a failed check clears
 * verifiedAt (as "not verified" does), and only the folder's events tell the two apart. A
 * failure before the folder was last archived belongs to the old copy and does not count.
 *
 * @example
 * const failed = await failedVerifications(db, [{ path: "/srv/a", archivedAt }]); // Map { "/srv/a" => Date }
 */
export async function failedVerifications(
  db: Kysely<CatalogSchema>,
  folders: readonly { readonly path: string; readonly archivedAt: Date | null }[],
): Promise<Map<string, Date>> {
  const failed = new Map<string, Date>();
  if (folders.length === 0) return failed;
  // Each folder's last verification, by the path in its events: no list of paths is sent, so
  // a catalog of a hundred thousand imported folders, not verified, asks one short query; only
  // verify jobs' events are read (through their job index), not every progress event.
  const path = sql<string>`events.payload->>'path'`;
  const rows = await db
    .selectFrom("events")
    .innerJoin("jobs", "jobs.id", "events.jobId")
    .distinctOn(path)
    .select(["events.kind", "events.createdAt", path.as("path")])
    .where("jobs.kind", "=", "verify")
    .where("events.kind", "in", [FOLDER_EVENTS.verified, FOLDER_EVENTS.verifyFailed])
    .orderBy(path)
    .orderBy("events.id", "desc")
    .execute();
  for (const row of rows) {
    if (row.kind === FOLDER_EVENTS.verifyFailed) failed.set(row.path, row.createdAt);
  }
  const asked = new Map<string, Date | null>(
    folders.map((folder) => [folder.path, folder.archivedAt]),
  );
  for (const [failedPath, at] of failed) {
    const archivedAt = asked.get(failedPath);
    if (archivedAt === undefined || (archivedAt !== null && at < archivedAt)) {
      failed.delete(failedPath);
    }
  }
  return failed;
}
