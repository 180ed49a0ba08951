import type { CommandReply } from "../../shared/messages/index.ts";
import { formatTable } from "../format-table.ts";
import { formatKiB, plural } from "./sizes.ts";

type DeleteableReply = CommandReply<"deleteable">;

/**
 * `pytarchive deleteable`: archived (and verified) folders whose original still exists, with
 * tape, size and description; then, apart, the folders that could not be checked in time and
 * those whose only copies are on simulated tapes (never safe to delete: a loop image is no copy).
 */
export function renderDeleteable(reply: DeleteableReply): string {
  const { deleteable, unchecked, simulatedOnly } = reply;
  if (deleteable.length === 0 && unchecked.length === 0 && simulatedOnly.length === 0) {
    return "Nothing to delete.\n";
  }
  const parts: string[] = [];
  if (deleteable.length === 0) {
    parts.push("Nothing can be deleted for sure.\n");
  } else {
    const total = deleteable.reduce((sum, folder) => sum + folder.sizeKiB, 0);
    parts.push(
      "Can be deleted (archived and verified; the original folder still exists):\n" +
        folderTable(deleteable) +
        `${plural(deleteable.length, "folder")}, ${formatKiB(total)} in all. pytarchive never deletes them itself.\n`,
    );
  }
  if (unchecked.length > 0) {
    parts.push(
      "Could not be checked (left out; check these by hand):\n" +
        formatTable(
          ["FOLDER", "TAPE", "REASON"],
          unchecked.map((folder) => [folder.path, folder.tape, folder.reason]),
        ),
    );
  }
  if (simulatedOnly.length > 0) {
    parts.push(
      "NOT safe to delete: archived only on SIMULATED tapes (loop images of a simulated library, not an archive):\n" +
        folderTable(simulatedOnly) +
        "Keep these originals: archive them to tapes of a real library first.\n",
    );
  }
  return parts.join("\n");
}

/** The table of folders with their tape, size and description (both folder lists use it). */
function folderTable(folders: DeleteableReply["deleteable"]): string {
  return formatTable(
    ["FOLDER", "TAPE", "SIZE", "DESCRIPTION"],
    folders.map((folder) => [
      folder.path,
      folder.tape,
      formatKiB(folder.sizeKiB),
      folder.description,
    ]),
  );
}
