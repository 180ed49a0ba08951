import type { CommandReply, TapeListing } from "../../shared/messages/index.ts";
import { formatTable } from "../format-table.ts";
import { formatKiB, formatPercent, plural } from "./sizes.ts";

function whereIs(tape: TapeListing): string {
  if (tape.location === "drive") return tape.drive === null ? "drive" : `drive ${tape.drive}`;
  if (tape.location === "slot") return tape.slot === null ? "slot" : `slot ${tape.slot}`;
  if (tape.location === "absent") return "not in the library";
  return "unknown";
}

/** The NOTE column: a cleaning tape, a tape of a simulated library (not a real cartridge). */
function noteOf(tape: TapeListing): string {
  const notes = [tape.cleaning ? "cleaning tape" : "", tape.simulated ? "SIMULATED" : ""];
  return notes.filter((note) => note !== "").join(", ");
}

/**
 * `pytarchive tapes`: each tape with where it is, its state and how full it is; tapes of a
 * simulated library are marked SIMULATED, and the last line says what that means.
 */
export function renderTapes(reply: CommandReply<"tapes">): string {
  if (reply.tapes.length === 0) {
    return "No tapes known. Put tapes in the library; `pytarchive summary` lists what is archived.\n";
  }
  const rows = reply.tapes.map((tape) =>
    tape.cleaning
      ? [tape.barcode, whereIs(tape), tape.state, "-", "-", "-", noteOf(tape)]
      : [
          tape.barcode,
          whereIs(tape),
          tape.state,
          formatKiB(tape.usedKiB),
          formatKiB(tape.capacityKiB),
          formatPercent(tape.usedKiB, tape.capacityKiB),
          noteOf(tape),
        ],
  );
  const simulated = reply.tapes.filter((tape) => tape.simulated).length;
  const simulatedNote =
    simulated === 0
      ? ""
      : `; ${simulated} SIMULATED (loop images of a simulated library: nothing on them is an archive)`;
  return `${formatTable(["BARCODE", "WHERE", "STATE", "USED", "CAPACITY", "FILL", "NOTE"], rows)}${plural(reply.tapes.length, "tape")}${simulatedNote}.\n`;
}
