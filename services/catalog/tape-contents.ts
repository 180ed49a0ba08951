import type { Kysely } from "kysely";
import type { CatalogFolder, CatalogTape } from "../../shared/messages/index.ts";
import {
  type CatalogSchema,
  getTape,
  inTransaction,
  listArchivedFoldersOnTape,
  roomKiBOf,
} from "./db/index.ts";
import { folderToWire, tapeToWire } from "./to-wire.ts";

/**
 * A tape (null when the catalog does not know it) and the folders archived on it, by name on
 * tape: what a mount's consistency check and `verify TAPE` compare with the tape itself.
 */
export async function getTapeContents(
  db: Kysely<CatalogSchema>,
  barcode: string,
  tapeMaxSizeKiB: number,
): Promise<{ tape: CatalogTape | null; folders: CatalogFolder[] }> {
  return inTransaction(db, async (trx) => {
    const tape = await getTape(trx, barcode);
    if (tape === null) return { tape: null, folders: [] };
    const folders = await listArchivedFoldersOnTape(trx, barcode);
    const archivedKiB = folders.reduce((sum, folder) => sum + roomKiBOf(folder), 0);
    return {
      tape: tapeToWire(tape, archivedKiB, tapeMaxSizeKiB),
      folders: folders.map(folderToWire),
    };
  });
}
