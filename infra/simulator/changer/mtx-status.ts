import type { LibraryState } from "../library-state.ts";
import { volumeTag } from "./volume-tag.ts";

/**
 * `mtx status` output as mtx 1.3.12 prints it: the header (two leading spaces, "Slots" counts
 * import/export slots too), one line per drive (0-based), one per slot (1-based).
 * With `volumeTags: false` (mtx's `nobarcode`) no VolumeTag is shown.
 */
export function formatMtxStatus(
  state: LibraryState,
  device: string,
  options: { volumeTags: boolean } = { volumeTags: true },
): string {
  const importExport = state.slots.filter((slot) => slot.importExport).length;
  const lines = [
    `  Storage Changer ${device}:${state.drives.length} Drives, ${state.slots.length} Slots ( ${importExport} Import/Export )`,
  ];
  for (const drive of state.drives) {
    let line = `Data Transfer Element ${drive.index}:`;
    if (drive.barcode === null) {
      line += "Empty";
    } else {
      line +=
        drive.sourceSlot === null
          ? "Full (Unknown Storage Element Loaded)"
          : `Full (Storage Element ${drive.sourceSlot} Loaded)`;
      if (options.volumeTags && !drive.unlabelled) {
        line += `:VolumeTag = ${volumeTag(state, drive.barcode)}`;
      }
    }
    lines.push(line);
  }
  for (const slot of state.slots) {
    let line = `      Storage Element ${slot.index}${slot.importExport ? " IMPORT/EXPORT" : ""}:`;
    line += slot.barcode === null ? "Empty" : "Full ";
    if (options.volumeTags && slot.barcode !== null && !slot.unlabelled) {
      line += `:VolumeTag=${volumeTag(state, slot.barcode)}`;
    }
    lines.push(line);
  }
  return `${lines.join("\n")}\n`;
}
