import type { Kysely } from "kysely";
import { type CatalogFile, MAX_FILES_PER_REQUEST } from "../../shared/messages/index.ts";
import { CATALOG_REFUSAL_CODES, refuse } from "./catalog-errors.ts";
import {
  type CatalogSchema,
  countFiles,
  findFilesWithoutChecksum,
  findFolderByPath,
  inTransaction,
  listFilesInTapeOrder,
} from "./db/index.ts";
import { fileToWire } from "./to-wire.ts";

/**
 * One page of an archived folder's files in tape order (partition a, then b, by start block;
 * empty files last), for restore and verify, with the folder's total. Refused when the folder is
 * unknown or not archived, and when any of its files has no checksum: such a file could not be
 * checked after a restore, so no page is handed out rather than a restore that stops half-way.
 */
export async function listFolderFiles(
  db: Kysely<CatalogSchema>,
  input: { path: string; offset?: number; limit?: number },
): Promise<{ files: CatalogFile[]; total: number }> {
  return inTransaction(db, async (trx) => {
    const folder = await findFolderByPath(trx, input.path);
    if (folder === null || folder.state !== "archived") {
      throw refuse(
        folder === null
          ? CATALOG_REFUSAL_CODES.folderNotFound
          : CATALOG_REFUSAL_CODES.folderNotArchived,
        `${input.path} is not archived${folder === null ? " (the catalog does not know it)" : ` (it is ${folder.state})`}, so the catalog has no file list to give.`,
        "`pytarchive summary` lists the archived folders on each tape.",
      );
    }
    const missing = await findFilesWithoutChecksum(trx, folder.id);
    if (missing.count > 0) {
      const more = missing.count > 1 ? ` and ${missing.count - 1} more files` : "";
      throw refuse(
        CATALOG_REFUSAL_CODES.fileChecksumMissing,
        `The catalog has no checksum for ${missing.firstPath ?? "a file"}${more} in the archive of ${input.path}, so it cannot be restored or verified safely.`,
        "Archive the folder again (prepare it, then archive it to another tape or under another name) so every file gets a checksum.",
      );
    }
    const total = await countFiles(trx, folder.id);
    const rows = await listFilesInTapeOrder(trx, folder.id, {
      offset: input.offset ?? 0,
      limit: input.limit ?? MAX_FILES_PER_REQUEST,
    });
    // Checked above: every file has a checksum.
    const files = rows.map((row) => fileToWire({ ...row, checksum: row.checksum ?? "" }));
    return { files, total };
  });
}
