import { isCleaningTape, type LibraryStatus } from "../../shared/hardware/mtx/index.ts";
import { formatTable } from "../format-table.ts";

/**
 * The JSON form of `pytarchive library --json`: `drives` and `slots` with `index`, `full`,
 * `barcode` (null when unknown), `sourceSlot` / `importExport`, plus `cleaning`, and the header
 * counts. Scripts rely on these keys; add keys, never rename them.
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

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function barcodeCell(full: boolean, barcode: string | null): string {
  if (!full) return "-";
  return barcode ?? "(no label)";
}

/** The readable table: a summary line, then drives, then slots, with I/E and cleaning marked. */
export function libraryStatusTable(status: LibraryStatus): string {
  const summary = `Library ${status.device}: ${plural(status.driveCount, "drive")}, ${plural(status.slotCount, "slot")} (${status.importExportCount} import/export)\n`;
  const truncated = status.truncated
    ? `Truncated listing: it shows ${plural(status.drives.length, "drive")} and ${plural(status.slots.length, "slot")} of those.\n`
    : "";

  const drives = formatTable(
    ["DRIVE", "STATE", "BARCODE", "FROM SLOT", "NOTE"],
    status.drives.map((drive) => [
      String(drive.index),
      drive.full ? "full" : "empty",
      barcodeCell(drive.full, drive.barcode),
      drive.sourceSlot === null ? (drive.full ? "unknown" : "-") : String(drive.sourceSlot),
      isCleaningTape(drive.barcode) ? "cleaning tape" : "",
    ]),
  );

  const slots = formatTable(
    ["SLOT", "STATE", "BARCODE", "NOTE"],
    status.slots.map((slot) => [
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

  return `${summary}${truncated}\n${drives}\n${slots}`;
}
