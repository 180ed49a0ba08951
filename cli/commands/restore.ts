import { DEFAULT_PRIORITIES } from "../../shared/messages/index.ts";
import {
  absolutePathOrThrow,
  exactPositionals,
  parseCommandLine,
  priorityOrThrow,
  subfolderOrThrow,
} from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderJobQueued } from "../render/job-queued.ts";

const USAGE = `usage: pytarchive restore FOLDER TARGET [-s SUBFOLDER] [--priority N] [--json]

Queues the restore of an archived FOLDER (or one subfolder of it) into TARGET, which must be
empty or not exist yet, and lie outside every folder pytarchive knows as an original (archived,
prepared, …) and outside scratch_path: pytarchive never writes into an original. Files are read
in tape order and verified after copying.

Arguments:
  FOLDER                full path the folder had when it was archived, e.g. /full/path/to/folder
  TARGET                full path to restore into, e.g. /full/path/to/restored

Options:
  -s, --subfolder SUB   restore only this subfolder (a path inside FOLDER; a leading / is
                        accepted): its contents go directly into TARGET, as the original did
  --priority N          queue priority 0-1000, lower runs first (default ${DEFAULT_PRIORITIES.restore})
  --json                print the gateway's reply as JSON
  -h, --help            show this help

Example:
  pytarchive restore /data/projects/alpha /data/restored/alpha -s results/2024
`;

export const restoreVerb: RemoteVerb<"restore"> = {
  name: "restore",
  verb: "restore",
  summary: "copy an archived folder (or a subfolder) back from tape",
  usage: USAGE,
  parse(argv, cwd) {
    const { values, positionals, json } = parseCommandLine(
      argv,
      { subfolder: { type: "string", short: "s" }, priority: { type: "string" } },
      ["priority"],
    );
    const [folder, target] = exactPositionals("restore", positionals, ["FOLDER", "TARGET"]) as [
      string,
      string,
    ];
    const subfolder = values.subfolder as string | undefined;
    const priority = priorityOrThrow(
      "restore",
      values.priority as string | undefined,
      DEFAULT_PRIORITIES.restore,
    );
    return {
      json,
      request: {
        folder: absolutePathOrThrow("restore", "FOLDER", folder, cwd),
        target: absolutePathOrThrow("restore", "TARGET", target, cwd),
        ...(subfolder === undefined ? {} : { subfolder: subfolderOrThrow("restore", subfolder) }),
        ...(priority === undefined ? {} : { priority }),
      },
    };
  },
  render(reply, request) {
    const part = request.subfolder === undefined ? "" : ` (subfolder ${request.subfolder})`;
    return renderJobQueued(
      `Restoring folder: ${request.folder}${part} to ${request.target}`,
      reply,
    );
  },
};
