import { DEFAULT_PRIORITIES } from "../../shared/messages/index.ts";
import {
  absolutePathOrThrow,
  barcodeOrThrow,
  exactPositionals,
  nameOnTapeOrThrow,
  parseCommandLine,
  priorityOrThrow,
} from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderJobQueued } from "../render/job-queued.ts";

const USAGE = `usage: pytarchive archive FOLDER TAPE [-t NAME] [--priority N] [--json]

Queues the archiving of a prepared FOLDER to TAPE: the tape is loaded (and formatted with
LTFS if it is blank), the folder (or its tar archive) is copied and verified, and only then
marked archived. The original folder is never deleted or changed.

Arguments:
  FOLDER                 full path of a prepared folder, e.g. /full/path/to/folder
  TAPE                   barcode of the tape, e.g. AAK788L9 (\`pytarchive summary\` suggests one)

Options:
  -t, --targetname NAME  folder name on the tape (default: the last three parts of FOLDER
                         joined by '_')
  --priority N           queue priority 0-1000, lower runs first (default ${DEFAULT_PRIORITIES.archive})
  --json                 print the gateway's reply as JSON
  -h, --help             show this help

Example:
  pytarchive archive /data/projects/alpha AAK788L9 -t alpha_final_2024
`;

export const archiveVerb: RemoteVerb<"archive"> = {
  name: "archive",
  verb: "archive",
  summary: "copy a prepared folder to a tape, verify it, mark it archived",
  usage: USAGE,
  parse(argv, cwd) {
    const { values, positionals, json } = parseCommandLine(
      argv,
      { targetname: { type: "string", short: "t" }, priority: { type: "string" } },
      ["priority"],
    );
    const [folder, tape] = exactPositionals("archive", positionals, ["FOLDER", "TAPE"]) as [
      string,
      string,
    ];
    const targetName = values.targetname as string | undefined;
    const priority = priorityOrThrow(
      "archive",
      values.priority as string | undefined,
      DEFAULT_PRIORITIES.archive,
    );
    return {
      json,
      request: {
        folder: absolutePathOrThrow("archive", "FOLDER", folder, cwd),
        tape: barcodeOrThrow("archive", tape),
        ...(targetName === undefined
          ? {}
          : { targetName: nameOnTapeOrThrow("archive", targetName) }),
        ...(priority === undefined ? {} : { priority }),
      },
    };
  },
  render(reply, request) {
    const name = request.targetName === undefined ? "" : ` as ${request.targetName}`;
    return renderJobQueued(
      `Archiving folder: ${request.folder} to tape ${request.tape}${name}`,
      reply,
    );
  },
};
