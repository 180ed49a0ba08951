/** What `mtx status` reports about a tape library, with barcodes trimmed. */
export interface LibraryStatus {
  /** The changer device exactly as mtx printed it (the `-f` argument). */
  device: string;
  driveCount: number;
  /** Storage slots including the import/export slots, as mtx counts them. */
  slotCount: number;
  importExportCount: number;
  drives: DriveStatus[];
  slots: SlotStatus[];
  /** Set when the caller allowed a listing shorter than its header (see `parseMtxStatus`). */
  truncated?: boolean;
}

/** A drive (mtx "Data Transfer Element"), numbered from 0. */
export interface DriveStatus {
  index: number;
  full: boolean;
  /** The loaded tape's barcode; null when empty or the library read no label. */
  barcode: string | null;
  /** The slot the tape was loaded from; null when empty or mtx says "Unknown Storage Element". */
  sourceSlot: number | null;
  /** Present only when mtx printed an AlternateVolumeTag. */
  alternateBarcode?: string | null;
}

/** A storage slot (mtx "Storage Element"), numbered from 1; import/export slots included. */
export interface SlotStatus {
  index: number;
  full: boolean;
  /** Null when empty, or full without a readable label (`Full ` with no VolumeTag). */
  barcode: string | null;
  importExport: boolean;
  /** Present only when mtx printed an AlternateVolumeTag. */
  alternateBarcode?: string | null;
}

/** Where a tape is: in a drive (and where it came from) or in a slot. */
export type TapeLocation =
  | { readonly kind: "drive"; readonly drive: number; readonly sourceSlot: number | null }
  | { readonly kind: "slot"; readonly slot: number; readonly importExport: boolean };

/**
 * True for cleaning cartridges: barcodes starting with `CLN` (the common convention, e.g.
 * `CLN670L1`) and 8-character LTO labels whose media id is `CU` (universal cleaning, e.g.
 * `CLN001CU`). Cleaning tapes may be moved but must never be formatted, mounted or archived to.
 *
 * @example isCleaningTape("CLN003L1") // true
 * @example isCleaningTape("AAK787L9") // false
 */
export function isCleaningTape(barcode: string | null): boolean {
  if (barcode === null) return false;
  const label = barcode.trim().toUpperCase();
  return label.startsWith("CLN") || (label.length === 8 && label.endsWith("CU"));
}

/**
 * Where the tape with this barcode is, or null when the library does not report it. A drive
 * wins over a slot if the library lists the barcode twice (it should not).
 *
 * @example findTape(status, "AAK787L9") // { kind: "drive", drive: 0, sourceSlot: 24 }
 */
export function findTape(status: LibraryStatus, barcode: string): TapeLocation | null {
  const wanted = barcode.trim();
  if (wanted === "") return null;
  const drive = status.drives.find((d) => d.full && d.barcode === wanted);
  if (drive) return { kind: "drive", drive: drive.index, sourceSlot: drive.sourceSlot };
  const slot = status.slots.find((s) => s.full && s.barcode === wanted);
  if (slot) return { kind: "slot", slot: slot.index, importExport: slot.importExport };
  return null;
}
