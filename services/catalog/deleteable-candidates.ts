import { type Kysely, sql } from "kysely";
import type { CatalogSchema } from "./db/index.ts";
import { isoOrNull } from "./to-wire.ts";

/**
 * Archived and verified folders, by path, without those under an ignored prefix (compared as
 * text, as the original did). Whether each original still exists is the gateway's check.
 */
export async function listDeleteableCandidates(
  db: Kysely<CatalogSchema>,
  ignore: readonly string[],
): Promise<
  { path: string; tape: string; sizeKiB: number; description: string; archivedAt: string | null }[]
> {
  const folders = await db
    .selectFrom("folders")
    .selectAll()
    .where("state", "=", "archived")
    .where("verifiedAt", "is not", null)
    .orderBy(sql`path collate "C"`)
    .execute();
  return folders
    .filter((folder) => !ignore.some((prefix) => prefix !== "" && folder.path.startsWith(prefix)))
    .map((folder) => ({
      path: folder.path,
      tape: folder.tapeBarcode ?? "",
      sizeKiB: folder.sizeKib ?? 0,
      description: folder.description,
      archivedAt: isoOrNull(folder.archivedAt),
    }));
}
