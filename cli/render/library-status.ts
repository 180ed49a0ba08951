import { isCleaningTape, type LibraryStatus } from "../../shared/hardware/mtx/index.ts";
import { formatTable } from "../format-table.ts";
import { plural } from "./sizes.ts";

/**
 * The JSON form of `pytarchive library --mtx-status-file FILE --json`: `drives` and `slots` with
 * `index`, `full`, `barcode` (null when unknown), `sourceSlot` / `importExport`, plus `cleaning`,
 * and the header counts. The live view's JSON has the same keys and more. Scripts rely on these
 * keys; add keys, never rename them.
 */
export function libraryStatusJson(status: LibraryStatus): object {
  return {
    device: status.device,
    driveCount: status.driveCount,
    slotCount: status.slotCount,
    importExportCount: status.importExportCount,
    truncated: status.truncated === true,
    drives: status.drives.map((drive) => ({
      index: drive.index,
      full: drive.full,
      barcode: drive.barcode,
      sourceSlot: drive.sourceSlot,
      cleaning: isCleaningTape(drive.barcode),
      ...(drive.alternateBarcode === undefined ? {} : { alternateBarcode: drive.alternateBarcode }),
    })),
    slots: status.slots.map((slot) => ({
      index: slot.index,
      full: slot.full,
      barcode: slot.barcode,
      importExport: slot.importExport,
      cleaning: isCleaningTape(slot.barcode),
      ...(slot.alternateBarcode === undefined ? {} : { alternateBarcode: slot.alternateBarcode }),
    })),
  };
}

/** What the library's header says and whether the listing is cut short; shared by both views. */
export type LibraryHeader = Pick<
  LibraryStatus,
  "device" | "driveCount" | "slotCount" | "importExportCount" | "truncated"
> & { readonly drives: readonly unknown[]; readonly slots: readonly unknown[] };

/** "Library /dev/sch0: 2 drives, 24 slots (1 import/export)", and a line when truncated. */
export function librarySummary(status: LibraryHeader): string {
  const summary = `Library ${status.device}: ${plural(status.driveCount, "drive")}, ${plural(status.slotCount, "slot")} (${status.importExportCount} import/export)\n`;
  const truncated = status.truncated
    ? `Truncated listing: it shows ${plural(status.drives.length, "drive")} and ${plural(status.slots.length, "slot")} of those.\n`
    : "";
  return `${summary}${truncated}`;
}

/** A drive or slot's BARCODE cell: "-" when empty, "(no label)" when full without one. */
export function barcodeCell(full: boolean, barcode: string | null): string {
  if (!full) return "-";
  return barcode ?? "(no label)";
}

/** A drive's FROM SLOT cell. */
export function sourceSlotCell(full: boolean, sourceSlot: number | null): string {
  if (sourceSlot !== null) return String(sourceSlot);
  return full ? "unknown" : "-";
}

/** The slots table, import/export slots and cleaning tapes marked in NOTE. */
export function slotsTable(
  slots: readonly Pick<
    LibraryStatus["slots"][number],
    "index" | "full" | "barcode" | "importExport"
  >[],
): string {
  return formatTable(
    ["SLOT", "STATE", "BARCODE", "NOTE"],
    slots.map((slot) => [
      String(slot.index),
      slot.full ? "full" : "empty",
      barcodeCell(slot.full, slot.barcode),
      [
        slot.importExport ? "import/export" : "",
        isCleaningTape(slot.barcode) ? "cleaning tape" : "",
      ]
        .filter((note) => note !== "")
        .join(", "),
    ]),
  );
}

/** The readable table of a saved status: a summary line, then drives, then slots. */
export function libraryStatusTable(status: LibraryStatus): string {
  const drives = formatTable(
    ["DRIVE", "STATE", "BARCODE", "FROM SLOT", "NOTE"],
    status.drives.map((drive) => [
      String(drive.index),
      drive.full ? "full" : "empty",
      barcodeCell(drive.full, drive.barcode),
      sourceSlotCell(drive.full, drive.sourceSlot),
      isCleaningTape(drive.barcode) ? "cleaning tape" : "",
    ]),
  );
  return `${librarySummary(status)}\n${drives}\n${slotsTable(status.slots)}`;
}
