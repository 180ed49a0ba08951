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
  const paths = folders.map((folder) => folder.path);
  const path = sql<string>`payload->>'path'`;
  const rows = await db
    .selectFrom("events")
    .select(["kind", "createdAt", path.as("path")])
    .where("kind", "in", [FOLDER_EVENTS.verified, FOLDER_EVENTS.verifyFailed])
    .where(path, "in", paths)
    .orderBy("id")
    .execute();
  // In order, so that each folder ends with its last outcome.
  for (const row of rows) {
    if (row.kind === FOLDER_EVENTS.verifyFailed) failed.set(row.path, row.createdAt);
    else failed.delete(row.path);
  }
  for (const folder of folders) {
    const at = failed.get(folder.path);
    if (at !== undefined && folder.archivedAt !== null && at < folder.archivedAt) {
      failed.delete(folder.path);
    }
  }
  return failed;
}
