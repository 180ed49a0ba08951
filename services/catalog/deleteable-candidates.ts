import { type Kysely, sql } from "kysely";
import type { CatalogSchema } from "./db/index.ts";
import { isoOrNull } from "./to-wire.ts";

/**
 * Archived and verified folders, by path, without those under an ignored prefix (compared as
 * text, as the original did). Whether each original still exists is the gateway's check.
 * `simulated`: the folder's copies are all on simulated tapes (today a folder has one copy, on
 * `tape_barcode`), so it is not archived for real and its original must never look deleteable.
 */
export async function listDeleteableCandidates(
  db: Kysely<CatalogSchema>,
  ignore: readonly string[],
): Promise<
  {
    path: string;
    tape: string;
    sizeKiB: number;
    description: string;
    archivedAt: string | null;
    simulated: boolean;
  }[]
> {
  const folders = await db
    .selectFrom("folders")
    .innerJoin("tapes", "tapes.barcode", "folders.tapeBarcode")
    .selectAll("folders")
    .select("tapes.simulated")
    .where("folders.state", "=", "archived")
    .where("folders.verifiedAt", "is not", null)
    .orderBy(sql`folders.path collate "C"`)
    .execute();
  return folders
    .filter((folder) => !ignore.some((prefix) => prefix !== "" && folder.path.startsWith(prefix)))
    .map((folder) => ({
      path: folder.path,
      tape: folder.tapeBarcode ?? "",
      sizeKiB: folder.sizeKib ?? 0,
      description: folder.description,
      archivedAt: isoOrNull(folder.archivedAt),
      simulated: folder.simulated,
    }));
}
