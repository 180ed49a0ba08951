import {
  absolutePathOrThrow,
  barcodeOrThrow,
  exactPositionals,
  parseCommandLine,
  priorityOrThrow,
} from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderJobQueued } from "../render/job-queued.ts";

const DEFAULT_VERIFY_PRIORITY = 100;

const USAGE = `usage: pytarchive verify [--adopt] FOLDER|TAPE [--priority N] [--json]

Queues a verification: the checksums of an archived FOLDER (or of every folder on TAPE) are
read back from tape and compared with those recorded when it was archived.

With --adopt, for folders archived but not verified (imported from the original's
database.json, or by import-tape from a folder without a manifest): every file on the tape is
read and compared with the same file of the original, where the original still exists (it is
only read, never written). A folder whose files all match becomes verified (and deleteable);
every difference is reported per file. With TAPE, --adopt takes its folders not verified yet.

Arguments:
  FOLDER        full path an archived folder had, e.g. /full/path/to/folder
  TAPE          or a tape barcode, e.g. AAK788L9

Options:
  --adopt       compare with the originals instead of the recorded checksums (see above)
  --priority N  queue priority 0-1000, lower runs first (default ${DEFAULT_VERIFY_PRIORITY})
  --json        print the gateway's reply as JSON
  -h, --help    show this help

Examples:
  pytarchive verify AAK788L9
  pytarchive verify --adopt /projects/2019/survey
`;

/** A relative path is refused; anything without `/` that does not start with `.` is a barcode. */
function targetOrThrow(value: string, cwd: string): string {
  if (value.startsWith("/") || value.includes("/") || value.startsWith(".")) {
    return absolutePathOrThrow("verify", "FOLDER", value, cwd);
  }
  return barcodeOrThrow("verify", value);
}

export const verifyVerb: RemoteVerb<"verify"> = {
  name: "verify",
  verb: "verify",
  summary: "check an archived folder or a whole tape against its recorded checksums",
  usage: USAGE,
  parse(argv, cwd) {
    const { values, positionals, json } = parseCommandLine(
      argv,
      { priority: { type: "string" }, adopt: { type: "boolean", default: false } },
      ["priority"],
    );
    const [target] = exactPositionals("verify", positionals, ["FOLDER|TAPE"]) as [string];
    const priority = priorityOrThrow(
      "verify",
      values.priority as string | undefined,
      DEFAULT_VERIFY_PRIORITY,
    );
    return {
      json,
      request: {
        target: targetOrThrow(target, cwd),
        ...(values.adopt === true ? { adopt: true } : {}),
        ...(priority === undefined ? {} : { priority }),
      },
    };
  },
  render(reply, request) {
    const what = request.target.startsWith("/")
      ? `folder: ${request.target}`
      : `tape: ${request.target}`;
    return renderJobQueued(`${request.adopt === true ? "Adopting" : "Verifying"} ${what}`, reply);
  },
};
