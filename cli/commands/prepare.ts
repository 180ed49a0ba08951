import { DEFAULT_PRIORITIES } from "../../shared/messages/index.ts";
import {
  absolutePathOrThrow,
  exactPositionals,
  parseCommandLine,
  priorityOrThrow,
} from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderJobQueued } from "../render/job-queued.ts";

const USAGE = `usage: pytarchive prepare FOLDER DESCRIPTION [--compress] [--priority N] [--json]

Queues the preparation of FOLDER for archiving: its size (KiB, like \`du -s\`) and file count
are measured; a folder with more than 500,000 files (or any folder with --compress) is packed
into one tar archive under scratch_path first. The folder itself is never changed. A folder
inside or around one already prepared or archived is refused: its files would go to tape twice.

Arguments:
  FOLDER        full path of the folder, e.g. /full/path/to/folder
  DESCRIPTION   what the folder holds (in quotes when it has spaces)

Options:
  --compress    pack the folder into a tar archive even when it has few files
  --priority N  queue priority 0-1000, lower runs first (default ${DEFAULT_PRIORITIES.prepare})
  --json        print the gateway's reply as JSON
  -h, --help    show this help

Example:
  pytarchive prepare /data/projects/alpha "Alpha project, final data 2024"
`;

export const prepareVerb: RemoteVerb<"prepare"> = {
  name: "prepare",
  verb: "prepare",
  summary: "measure a folder (and pack it if it has too many files) before archiving",
  usage: USAGE,
  parse(argv, cwd) {
    const { values, positionals, json } = parseCommandLine(
      argv,
      { compress: { type: "boolean", default: false }, priority: { type: "string" } },
      ["priority"],
    );
    const [folder, description] = exactPositionals("prepare", positionals, [
      "FOLDER",
      "DESCRIPTION",
    ]) as [string, string];
    const priority = priorityOrThrow(
      "prepare",
      values.priority as string | undefined,
      DEFAULT_PRIORITIES.prepare,
    );
    return {
      json,
      request: {
        folder: absolutePathOrThrow("prepare", "FOLDER", folder, cwd),
        description,
        compress: values.compress === true,
        ...(priority === undefined ? {} : { priority }),
      },
    };
  },
  render(reply, request) {
    const packed = request.compress ? " (packed into a tar archive)" : "";
    return renderJobQueued(
      `Preparing folder: ${request.folder} - ${request.description}${packed}`,
      reply,
    );
  },
};
