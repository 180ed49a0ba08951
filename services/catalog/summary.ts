import type { Kysely } from "kysely";
import type { SummaryReply } from "../../shared/messages/commands.ts";
import { type CatalogSchema, listPreparedFolders, listTapesWithFolders } from "./db/index.ts";
import { pendingJobsOf, reservedKiBByTape } from "./pending-jobs.ts";
import { suggestTape } from "./suggest-tape.ts";
import { isoOrNull, tapeCapacityKiB } from "./to-wire.ts";

/**
 * What `pytarchive summary` shows: each data tape with its fill and archived folders, and each
 * prepared folder with a suggested tape. The suggestion counts what queued archive jobs will
 * write, so it never names a tape that `archive` would then refuse as too full.
 */
export async function buildSummary(
  db: Kysely<CatalogSchema>,
  tapeMaxSizeKiB: number,
): Promise<SummaryReply> {
  const [tapes, prepared, pendingArchives] = await Promise.all([
    listTapesWithFolders(db),
    listPreparedFolders(db),
    pendingJobsOf(db, ["archive"]),
  ]);
  const reserved = await reservedKiBByTape(db, pendingArchives);
  const summaryTapes = tapes.map((tape) => {
    const capacityKiB = tapeCapacityKiB(tape, tapeMaxSizeKiB);
    return {
      barcode: tape.barcode,
      usedKiB: tape.archivedKib,
      capacityKiB,
      percent: capacityKiB === 0 ? 0 : Math.round((tape.archivedKib / capacityKiB) * 1000) / 10,
      folders: tape.folders
        .filter((folder) => folder.state === "archived")
        .map((folder) => ({
          path: folder.path,
          name: folder.targetName ?? folder.path,
          sizeKiB: folder.sizeKib ?? 0,
          description: folder.description,
          archivedAt: isoOrNull(folder.archivedAt),
        })),
    };
  });
  const writable = tapes
    .filter((tape) => tape.state === "blank" || tape.state === "formatted")
    .map((tape) => ({
      barcode: tape.barcode,
      usedKiB: tape.archivedKib + (reserved.get(tape.barcode) ?? 0),
      capacityKiB: tapeCapacityKiB(tape, tapeMaxSizeKiB),
    }));
  return {
    tapeMaxSizeKiB,
    tapes: summaryTapes,
    prepared: prepared.map((folder) => ({
      path: folder.path,
      description: folder.description,
      sizeKiB: folder.sizeKib ?? 0,
      fileCount: folder.fileCount ?? 0,
      compressed: folder.compressed,
      suggestedTape: suggestTape(writable, folder.sizeKib ?? 0),
    })),
  };
}
