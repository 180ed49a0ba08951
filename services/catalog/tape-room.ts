import type { Kysely } from "kysely";
import { type CatalogSchema, listTapesWithFolders } from "./db/index.ts";
import { pendingJobsOf, reservedKiBByTape } from "./pending-jobs.ts";
import { suggestTape, type TapeRoom } from "./suggest-tape.ts";
import { tapeCapacityKiB, tapeUsedKiB } from "./to-wire.ts";

/**
 * Every tape of library `libraryId` an archive may still write to (blank or formatted data
 * tapes), with what is taken on it (LTFS's report or the archived folders, plus queued and
 * running archive jobs) and its capacity capped by tape_max_size: what suggestions and refusals
 * count room on. Absent `libraryId`: every library's tapes.
 */
export async function writableTapeRooms(
  db: Kysely<CatalogSchema>,
  tapeMaxSizeKiB: number,
  libraryId?: string,
): Promise<TapeRoom[]> {
  const [tapes, pendingArchives] = await Promise.all([
    listTapesWithFolders(db, libraryId),
    pendingJobsOf(db, ["archive"]),
  ]);
  const reserved = await reservedKiBByTape(db, pendingArchives);
  return tapes
    .filter((tape) => tape.state === "blank" || tape.state === "formatted")
    .map((tape) => ({
      barcode: tape.barcode,
      usedKiB: tapeUsedKiB(tape, tape.archivedKib) + (reserved.get(tape.barcode) ?? 0),
      capacityKiB: tapeCapacityKiB(tape, tapeMaxSizeKiB),
    }));
}

/**
 * The hint of a "does not fit" refusal: the tape where the folder fits (as summary would
 * suggest it), or that it fits on none.
 *
 * @example
 * whereItFitsHint(rooms, "/p/alpha", 2048, "SIM001L9"); // "It fits on tape SIM003L9: `pytarchive archive /p/alpha SIM003L9`."
 */
export function whereItFitsHint(
  rooms: readonly TapeRoom[],
  path: string,
  sizeKiB: number,
  refusedTape: string,
): string {
  const other = suggestTape(
    rooms.filter((room) => room.barcode !== refusedTape),
    sizeKiB,
  );
  if (other !== null) return `It fits on tape ${other}: \`pytarchive archive ${path} ${other}\`.`;
  return "It fits on no tape in the library (each tape's capacity is capped by [General] tape_max_size): add a larger blank tape, or split the folder and prepare the parts.";
}
