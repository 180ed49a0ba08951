import { exactPositionals, parseCommandLine } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { CliUsageError } from "../usage-error.ts";

const USAGE = `usage: pytarchive clear-drive DRIVE [--json]

Lets a blocked drive take tape moves again. pytarchive blocks a drive that refused twice to
release its tape (Request Sense 53/03, medium removal prevented): the failed task says so. Before
clearing it, deal with the drive — check that LTFS no longer has the tape mounted and unload it
from the library's panel if needed. DO NOT POWER CYCLE THE LIBRARY while a drive holds a tape.
Then clear the drive and requeue the task.

DRIVE is the drive's number as \`pytarchive tapes\` and the task's error name it (0, 1, ...).

Options:
  --json      print the reply as JSON: {"drive": 0, "wasBlocked": true, ...}
  -h, --help  show this help

Example:
  pytarchive clear-drive 0 && pytarchive requeue 3fa2b1c0
`;

export const clearDriveVerb: RemoteVerb<"clear-drive"> = {
  name: "clear-drive",
  verb: "clear-drive",
  summary: "let a drive blocked after a refused unload take tape moves again",
  usage: USAGE,
  parse(argv) {
    const { positionals, json } = parseCommandLine(argv, {});
    const [text] = exactPositionals("clear-drive", positionals, ["DRIVE"]) as [string];
    if (!/^[0-9]{1,4}$/.test(text)) {
      throw new CliUsageError("clear-drive", `'${text}' is not a drive number.`, {
        hint: "Give the drive's number, e.g. `pytarchive clear-drive 0`.",
      });
    }
    return { json, request: { drive: Number(text) } };
  },
  render: (reply) => `${reply.message}\n`,
};
