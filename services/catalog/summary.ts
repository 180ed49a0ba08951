import type { Kysely } from "kysely";
import type { SummaryReply } from "../../shared/messages/index.ts";
import {
  type CatalogSchema,
  listPreparedFolders,
  listTapesWithFolders,
  roomKiBOf,
} from "./db/index.ts";
import { suggestTape } from "./suggest-tape.ts";
import { writableTapeRooms } from "./tape-room.ts";
import { isoOrNull, tapeCapacityKiB, tapeUsedKiB } from "./to-wire.ts";

/**
 * What `pytarchive summary` shows: each data tape with its fill and archived folders, and each
 * prepared folder with a suggested tape. The suggestion counts what queued archive jobs will
 * write, so it never names a tape that `archive` would then refuse as too full.
 */
export async function buildSummary(
  db: Kysely<CatalogSchema>,
  tapeMaxSizeKiB: number,
): Promise<SummaryReply> {
  const [tapes, prepared, writable] = await Promise.all([
    listTapesWithFolders(db),
    listPreparedFolders(db),
    writableTapeRooms(db, tapeMaxSizeKiB),
  ]);
  const summaryTapes = tapes.map((tape) => {
    const capacityKiB = tapeCapacityKiB(tape, tapeMaxSizeKiB);
    const usedKiB = tapeUsedKiB(tape, tape.archivedKib);
    return {
      barcode: tape.barcode,
      simulated: tape.simulated,
      usedKiB,
      capacityKiB,
      percent: capacityKiB === 0 ? 0 : Math.round((usedKiB / capacityKiB) * 1000) / 10,
      folders: tape.folders
        .filter((folder) => folder.state === "archived")
        .map((folder) => ({
          path: folder.path,
          name: folder.targetName ?? folder.path,
          sizeKiB: folder.sizeKib ?? 0,
          description: folder.description,
          archivedAt: isoOrNull(folder.archivedAt),
          // Its one copy is on this tape.
          simulated: tape.simulated,
          verified: folder.verifiedAt !== null,
        })),
    };
  });
  return {
    tapeMaxSizeKiB,
    tapes: summaryTapes,
    prepared: prepared.map((folder) => ({
      path: folder.path,
      description: folder.description,
      sizeKiB: folder.sizeKib ?? 0,
      fileCount: folder.fileCount,
      compressed: folder.compressed,
      // Room by apparent size: LTFS stores sparse files in full.
      suggestedTape: suggestTape(writable, roomKiBOf(folder)),
    })),
  };
}
