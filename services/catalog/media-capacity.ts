import type { Kysely } from "kysely";
import type { CatalogSchema, TapeGeneration } from "./db/index.ts";

/** Native capacity of each LTO generation, in bytes, as printed on the cartridge. */
const NATIVE_BYTES: Readonly<Record<TapeGeneration, number>> = {
  L5: 1.5e12,
  L6: 2.5e12,
  L7: 6e12,
  M8: 9e12,
  L8: 12e12,
  L9: 18e12,
  L10: 30e12,
};

/**
 * What a cartridge of this LTO generation holds, in KiB (native, uncompressed; LTFS reports a
 * little less once it is formatted), or null for an unknown generation.
 *
 * @example nominalCapacityKiB("L9") // 17578125000
 */
export function nominalCapacityKiB(generation: TapeGeneration | null): number | null {
  return generation === null ? null : Math.floor(NATIVE_BYTES[generation] / 1024);
}

/**
 * Records the capacity the library states for its blank cartridges (`[Device] media_capacity`,
 * sent with the inventory). A tape that is formatted keeps the capacity LTFS reported.
 */
export async function recordMediaCapacities(
  db: Kysely<CatalogSchema>,
  cartridges: readonly { readonly barcode: string; readonly capacityKiB?: number | undefined }[],
): Promise<void> {
  for (const { barcode, capacityKiB } of cartridges) {
    if (capacityKiB === undefined) continue;
    await db
      .updateTable("tapes")
      .set({ capacityKib: capacityKiB })
      .where("barcode", "=", barcode)
      .where("state", "=", "blank")
      .where("cleaning", "=", false)
      .execute();
  }
}
