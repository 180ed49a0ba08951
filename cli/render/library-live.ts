import type { LibraryDrive, LibraryReply } from "../../shared/messages/index.ts";
import { formatTable } from "../format-table.ts";
import { barcodeCell, librarySummary, slotsTable, sourceSlotCell } from "./library-status.ts";

/** The LTFS column: mounted, an LTFS process still running, or unknown without `[Drive n]`. */
function ltfsCell(drive: LibraryDrive): string {
  if (drive.mounted === null) return "unknown (not configured)";
  if (drive.mounted) return "mounted";
  if (drive.ltfsPids.length > 0) return `LTFS running (pid ${drive.ltfsPids.join(", ")})`;
  return "not mounted";
}

function noteOf(drive: LibraryDrive): string {
  return [drive.cleaning ? "cleaning tape" : "", drive.blocked === null ? "" : "BLOCKED"]
    .filter((note) => note !== "")
    .join(", ");
}

function blockedLines(drives: readonly LibraryDrive[]): string {
  const blocked = drives.filter((drive) => drive.blocked !== null);
  if (blocked.length === 0) return "";
  const lines = blocked.map(
    (drive) =>
      `  drive ${drive.index}: since ${drive.blocked?.at}: ${drive.blocked?.reason} (${drive.blocked?.code})`,
  );
  const which = blocked.length === 1 ? String(blocked[0]?.index) : "N";
  return `\nBlocked drives (they take no tape moves until cleared):\n${lines.join("\n")}\nDeal with the drive first (\`pytarchive clear-drive --help\` says how), then \`pytarchive clear-drive ${which}\`.\n`;
}

function cleaningLine(reply: LibraryReply): string {
  const places = [
    ...reply.drives
      .filter((drive) => drive.cleaning)
      .map((drive) => `${drive.barcode} (drive ${drive.index})`),
    ...reply.slots
      .filter((slot) => slot.cleaning)
      .map((slot) => `${slot.barcode} (slot ${slot.index})`),
  ];
  return places.length === 0 ? "" : `\nCleaning tapes: ${places.join(", ")}\n`;
}

/**
 * `pytarchive library`: the library now — drives with their tape, the slot it came from, whether
 * LTFS holds it and the task using it, then slots, blocked drives, cleaning tapes, and what
 * could not be found out.
 */
export function renderLiveLibrary(reply: LibraryReply): string {
  const drives = formatTable(
    ["DRIVE", "STATE", "BARCODE", "FROM SLOT", "LTFS", "TASK", "NOTE"],
    reply.drives.map((drive) => [
      String(drive.index),
      drive.full ? "full" : "empty",
      barcodeCell(drive.full, drive.barcode),
      sourceSlotCell(drive.full, drive.sourceSlot),
      ltfsCell(drive),
      drive.job === null ? "-" : `${drive.job.id} ${drive.job.kind}`,
      noteOf(drive),
    ]),
  );
  const notes = reply.notes.map((note) => `Note: ${note}\n`).join("");
  const simulated = reply.simulated
    ? "SIMULATED library: its tapes are loop images, not an archive.\n"
    : "";
  return `${simulated}${librarySummary(reply)}\n${drives}\n${slotsTable(reply.slots)}${blockedLines(reply.drives)}${cleaningLine(reply)}${notes === "" ? "" : `\n${notes}`}`;
}
