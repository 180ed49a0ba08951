import { isCleaningTape, type LibraryStatus } from "../../shared/hardware/mtx/index.ts";

/** One cartridge as the catalog records it. */
export interface Cartridge {
  readonly barcode: string;
  /** The storage slot it lives in: the slot it is in, or the slot a drive loaded it from. */
  readonly homeSlot: number | null;
  readonly cleaning: boolean;
  /** What a blank data cartridge holds, in KiB, when the library says so ([Device] media_capacity). */
  readonly capacityKiB?: number;
}

export interface Inventory {
  readonly cartridges: Cartridge[];
  /** Cartridges that cannot be recorded, each with why ("slot 7: no readable barcode"). */
  readonly skipped: string[];
}

/** Barcodes the catalog accepts (volume tags as libraries print them). */
const RECORDABLE_BARCODE = /^[A-Z0-9]{1,32}$/;

/**
 * Every cartridge `mtx status` shows, with its home slot. A tape in a drive lives in the slot it
 * was loaded from; one in an import/export slot has no home yet. Data cartridges get
 * `mediaCapacityKiB` as their capacity when the library states one. Pure: no I/O.
 *
 * @example
 * inventoryOf(status).cartridges; // [{ barcode: "AAK787L9", homeSlot: 24, cleaning: false }, ...]
 */
export function inventoryOf(
  library: LibraryStatus,
  options: { readonly mediaCapacityKiB?: number | null } = {},
): Inventory {
  const capacity = options.mediaCapacityKiB ?? null;
  const cartridges = new Map<string, Cartridge>();
  const skipped: string[] = [];
  const add = (where: string, barcode: string | null, homeSlot: number | null) => {
    if (barcode === null) {
      skipped.push(`${where}: a cartridge without a readable barcode`);
    } else if (!RECORDABLE_BARCODE.test(barcode)) {
      skipped.push(
        `${where}: barcode ${JSON.stringify(barcode)} is not 1-32 capital letters and digits`,
      );
    } else if (!cartridges.has(barcode)) {
      const cleaning = isCleaningTape(barcode);
      cartridges.set(barcode, {
        barcode,
        homeSlot,
        cleaning,
        ...(capacity === null || cleaning ? {} : { capacityKiB: capacity }),
      });
    }
  };
  for (const drive of library.drives) {
    if (drive.full) add(`drive ${drive.index}`, drive.barcode, drive.sourceSlot);
  }
  for (const slot of library.slots) {
    if (slot.full) add(`slot ${slot.index}`, slot.barcode, slot.importExport ? null : slot.index);
  }
  return { cartridges: [...cartridges.values()], skipped };
}

/**
 * The inventory's cartridges, except that a tape in a drive whose source slot mtx does not know
 * ("Unknown Storage Element Loaded") keeps the home slot the catalog already records, instead of
 * losing it: without a home it could not be unloaded.
 *
 * @example
 * keepKnownHomes(inventoryOf(status).cartridges, status, new Map([["G20002L7", 7]]));
 */
export function keepKnownHomes(
  cartridges: readonly Cartridge[],
  library: LibraryStatus,
  catalogHomes: ReadonlyMap<string, number | null>,
): Cartridge[] {
  const inDrives = new Set(
    library.drives.flatMap((drive) =>
      drive.full && drive.barcode !== null ? [drive.barcode] : [],
    ),
  );
  return cartridges.map((cartridge) => {
    const known = catalogHomes.get(cartridge.barcode) ?? null;
    return cartridge.homeSlot === null && known !== null && inDrives.has(cartridge.barcode)
      ? { ...cartridge, homeSlot: known }
      : cartridge;
  });
}
