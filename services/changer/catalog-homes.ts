import type { NatsConnection } from "@nats-io/nats-core";
import { isCleaningTape } from "../../shared/hardware/mtx/index.ts";
import { CATALOG_REQUESTS, subjects } from "../../shared/messages/index.ts";
import { request } from "../../shared/nats/index.ts";

/** Barcodes the catalog can store (the same rule as the inventory's). */
const RECORDABLE_BARCODE = /^[A-Z0-9]{1,32}$/;

/** The catalog's home slots, asked of the catalog service (the only owner of the database). */
export interface CatalogHomes {
  /** The home slot the catalog records for `barcode`, or null when none. Throws when it cannot ask. */
  homeOf(barcode: string): Promise<number | null>;
  /** Every tape's recorded home slot, by barcode. */
  all(): Promise<Map<string, number | null>>;
  /** Records `homeSlot` (null: none) as the tape's home; false when the barcode cannot be stored. */
  record(barcode: string, homeSlot: number | null): Promise<boolean>;
}

/**
 * `simulated`: the library is a simulation ([Device] simulate), so a tape this records is marked
 * simulated in the catalog, as the inventory marks it.
 *
 * @example
 * const homes = catalogHomes(nc, "lib1", { simulated: false });
 * await homes.homeOf("AAK787L9"); // 24
 */
export function catalogHomes(
  nc: NatsConnection,
  libraryId: string,
  options: { readonly simulated: boolean; readonly timeoutMs?: number } = { simulated: false },
): CatalogHomes {
  const { simulated, timeoutMs = 5_000 } = options;
  const s = subjects(libraryId);
  const all = async (): Promise<Map<string, number | null>> => {
    const op = CATALOG_REQUESTS["tapes-list"];
    const { tapes } = await request(
      nc,
      s.catalog(op.op),
      {},
      { request: op.request, reply: op.reply, timeoutMs, service: "catalog" },
    );
    return new Map(tapes.map((tape) => [tape.barcode, tape.homeSlot]));
  };
  return {
    all,
    async homeOf(barcode) {
      return (await all()).get(barcode) ?? null;
    },
    async record(barcode, homeSlot) {
      if (!RECORDABLE_BARCODE.test(barcode)) return false;
      const op = CATALOG_REQUESTS["tapes-record"];
      await request(
        nc,
        s.catalog(op.op),
        {
          cartridges: [
            {
              barcode,
              homeSlot,
              cleaning: isCleaningTape(barcode),
              // Only ever set: the catalog keeps a tape's mark once it has one.
              ...(simulated ? { simulated: true } : {}),
            },
          ],
        },
        { request: op.request, reply: op.reply, timeoutMs, service: "catalog" },
      );
      return true;
    },
  };
}
