import type { CommandReply, TapeListing } from "../../shared/messages/commands.ts";
import { formatTable } from "../format-table.ts";
import { formatKiB, formatPercent, plural } from "./sizes.ts";

function whereIs(tape: TapeListing): string {
  if (tape.location === "drive") return tape.drive === null ? "drive" : `drive ${tape.drive}`;
  if (tape.location === "slot") return tape.slot === null ? "slot" : `slot ${tape.slot}`;
  return "unknown";
}

/** `pytarchive tapes`: each tape with where it is, its state and how full it is. */
export function renderTapes(reply: CommandReply<"tapes">): string {
  if (reply.tapes.length === 0) {
    return "No tapes known. Put tapes in the library; `pytarchive summary` lists what is archived.\n";
  }
  const rows = reply.tapes.map((tape) =>
    tape.cleaning
      ? [tape.barcode, whereIs(tape), tape.state, "-", "-", "-", "cleaning tape"]
      : [
          tape.barcode,
          whereIs(tape),
          tape.state,
          formatKiB(tape.usedKiB),
          formatKiB(tape.capacityKiB),
          formatPercent(tape.usedKiB, tape.capacityKiB),
          "",
        ],
  );
  return `${formatTable(["BARCODE", "WHERE", "STATE", "USED", "CAPACITY", "FILL", "NOTE"], rows)}${plural(reply.tapes.length, "tape")}.\n`;
}
