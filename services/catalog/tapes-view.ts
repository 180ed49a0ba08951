import { type Kysely, sql } from "kysely";
import type { CatalogTape } from "../../shared/messages/index.ts";
import { type CatalogSchema, FOLDER_ROOM_KIB_SQL, inTransaction, upsertTape } from "./db/index.ts";
import { recordMediaCapacities } from "./media-capacity.ts";
import { tapeToWire } from "./to-wire.ts";

/**
 * Every tape in library `libraryId`, cleaning cartridges included, by barcode, with the KiB
 * archived on each.
 */
export async function listTapes(
  db: Kysely<CatalogSchema>,
  tapeMaxSizeKiB: number,
  libraryId: string,
): Promise<CatalogTape[]> {
  const [tapes, sums] = await Promise.all([
    db
      .selectFrom("tapes")
      .selectAll()
      .where("libraryId", "=", libraryId)
      .orderBy("barcode")
      .execute(),
    db
      .selectFrom("folders")
      .select([
        "tapeBarcode",
        sql<number>`coalesce(sum(${FOLDER_ROOM_KIB_SQL}), 0)::bigint`.as("archivedKib"),
      ])
      .where("state", "=", "archived")
      .groupBy("tapeBarcode")
      .execute(),
  ]);
  const used = new Map(sums.map((row) => [row.tapeBarcode, row.archivedKib]));
  return tapes.map((tape) => tapeToWire(tape, used.get(tape.barcode) ?? 0, tapeMaxSizeKiB));
}

/** One cartridge the changer saw. */
export interface SeenCartridge {
  readonly barcode: string;
  readonly homeSlot: number | null;
  readonly cleaning: boolean;
  /** The library is a simulation; false or left out: the tape's mark stays as it is. */
  readonly simulated?: boolean | undefined;
}

/** A tape an inventory found in this library while the catalog had it in another. */
export interface MovedTape {
  readonly barcode: string;
  /** The library the catalog had it in. */
  readonly from: string;
  readonly to: string;
}

/**
 * Records the changer's inventory of library `libraryId`: each cartridge is added or updated
 * with its home slot, cleaning flag, simulated mark (set, never cleared), the time it was seen
 * and this library (a tape sits in one library at a time: where it was seen last). Tapes not
 * seen are left as they are (they may be out of the library for a while). Returns the barcodes
 * that were new and the tapes that moved here from another library.
 */
export async function recordCartridges(
  db: Kysely<CatalogSchema>,
  cartridges: readonly SeenCartridge[],
  libraryId: string,
): Promise<{ recorded: number; added: string[]; moved: MovedTape[] }> {
  return inTransaction(db, async (trx) => {
    const barcodes = cartridges.map((cartridge) => cartridge.barcode);
    const known = new Map(
      barcodes.length === 0
        ? []
        : (
            await trx
              .selectFrom("tapes")
              .select(["barcode", "libraryId"])
              .where("barcode", "in", barcodes)
              .forUpdate()
              .execute()
          ).map((row) => [row.barcode, row.libraryId] as const),
    );
    const seenAt = new Date();
    for (const cartridge of cartridges) {
      await upsertTape(trx, {
        barcode: cartridge.barcode,
        libraryId,
        homeSlot: cartridge.homeSlot,
        cleaning: cartridge.cleaning,
        // Only a simulated library's word counts: a mark once set stays (upsertTape).
        ...(cartridge.simulated === true ? { simulated: true } : {}),
        lastSeenAt: seenAt,
      });
    }
    // The inventory's cartridges carry capacityKiB when the library states one.
    await recordMediaCapacities(trx, cartridges);
    return {
      recorded: cartridges.length,
      added: barcodes.filter((barcode) => !known.has(barcode)),
      moved: barcodes.flatMap((barcode) => {
        const from = known.get(barcode);
        return from === undefined || from === libraryId ? [] : [{ barcode, from, to: libraryId }];
      }),
    };
  });
}
