import { parseArgs } from "node:util";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  MtxParseError,
  MtxStatusIncompleteError,
  parseMtxStatus,
} from "../../shared/hardware/mtx/index.ts";
import { exactPositionals, parseCommandLine } from "../client/arguments.ts";
import type { GatewayConnector } from "../client/gateway-client.ts";
import { readCommandLineFile } from "../client/read-file.ts";
import { type RemoteVerb, remoteCommand } from "../client/remote-command.ts";
import type { CliCommand, CliIo } from "../command.ts";
import { renderLiveLibrary } from "../render/library-live.ts";
import { libraryStatusJson, libraryStatusTable } from "../render/library-status.ts";
import { CliUsageError } from "../usage-error.ts";

const USAGE = `usage: pytarchive library [--json]
       pytarchive library --mtx-status-file FILE [--json] [--allow-truncated]

Shows the tape library as it is now: each drive with the barcode of its tape, the slot that tape
came from, whether LTFS has it mounted, the task using it and whether the drive is blocked; then
each storage and import/export slot with its tape, the blocked drives and the cleaning tapes.
pytarchive's changer service reads it with a fresh \`mtx status\`, so pytarchive must be running.

With --mtx-status-file it shows a saved \`mtx -f <changer> status\` output instead: a diagnostic
that needs no running service (it knows nothing of mounts, blocks or tasks).

Options:
  --json                  print JSON: {"drives": [...], "slots": [...], ...} (barcode and
                          sourceSlot are null when unknown; live: mounted, blocked, job per drive)
  --mtx-status-file FILE  read this saved mtx status output instead of asking pytarchive
  --allow-truncated       with --mtx-status-file: accept a capture that lists fewer drives or
                          slots than its header
  -h, --help              show this help

Examples:
  pytarchive library
  mtx -f /dev/sch0 status > status.txt && pytarchive library --mtx-status-file status.txt
`;

/** Most an `mtx status` output can take: a library of thousands of slots writes under 1 MiB. */
const STATUS_FILE_MAX_BYTES = 4 * 1024 * 1024;

function readStatusFile(file: string, cwd: string): Promise<string> {
  return readCommandLineFile(
    file,
    cwd,
    "mtx status file",
    "Save the library's status with `mtx -f <changer> status > status.txt` and pass that file.",
    STATUS_FILE_MAX_BYTES,
  );
}

/** The live view: asked of the running pytarchive through the gateway. */
const libraryVerb: RemoteVerb<"library"> = {
  name: "library",
  verb: "library",
  summary: "show drives, slots and tapes now (or from a saved mtx status output)",
  usage: USAGE,
  parse(argv) {
    const { positionals, json } = parseCommandLine(argv, {});
    exactPositionals("library", positionals, []);
    return { json, request: {} };
  },
  render: (reply) => renderLiveLibrary(reply),
};

async function showSavedStatus(
  file: string,
  options: { json: boolean; allowTruncated: boolean },
  io: CliIo,
): Promise<number> {
  const text = await readStatusFile(file, io.cwd);
  let status: ReturnType<typeof parseMtxStatus>;
  try {
    status = parseMtxStatus(text, { allowTruncated: options.allowTruncated });
  } catch (error) {
    if (error instanceof MtxParseError) {
      throw new PytarchiveError(error.code, `${file}: ${error.message}`, {
        hint: "The file must hold the output of `mtx -f <changer> status` (not inquiry or loaderinfo).",
        cause: error,
      });
    }
    if (error instanceof MtxStatusIncompleteError) {
      throw new PytarchiveError(error.code, `${file}: ${error.message}`, {
        hint: "If the capture was cut short on purpose, add --allow-truncated to show what it lists.",
        cause: error,
      });
    }
    throw error;
  }
  io.stdout(
    options.json
      ? `${JSON.stringify(libraryStatusJson(status), null, 2)}\n`
      : libraryStatusTable(status),
  );
  return 0;
}

/**
 * `pytarchive library`: asks the running pytarchive (through `connect`) unless
 * `--mtx-status-file` names a saved status, which is shown without connecting.
 */
export function libraryCommand(connect: GatewayConnector): CliCommand {
  const live = remoteCommand(libraryVerb, connect);
  return {
    name: "library",
    summary: libraryVerb.summary,
    usage: USAGE,
    async run(argv, io) {
      const { values, positionals } = parseArgs({
        args: [...argv],
        options: {
          "mtx-status-file": { type: "string" },
          json: { type: "boolean", default: false },
          "allow-truncated": { type: "boolean", default: false },
        },
        allowPositionals: true,
        strict: true,
      });
      const file = values["mtx-status-file"];
      if (file === undefined) {
        if (values["allow-truncated"]) {
          throw new CliUsageError(
            "library",
            "--allow-truncated applies only to a saved status (--mtx-status-file FILE).",
          );
        }
        return await live.run(argv, io);
      }
      if (positionals.length > 0) {
        throw new CliUsageError("library", `Unexpected argument '${positionals[0]}'.`);
      }
      return await showSavedStatus(
        file,
        { json: values.json, allowTruncated: values["allow-truncated"] },
        io,
      );
    },
  };
}
