import fs from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  MtxParseError,
  MtxStatusIncompleteError,
  parseMtxStatus,
} from "../../shared/hardware/mtx/index.ts";
import type { CliCommand, CliIo } from "../command.ts";
import { libraryStatusJson, libraryStatusTable } from "../render/library-status.ts";
import { CliUsageError } from "../usage-error.ts";

const USAGE = `usage: pytarchive library --mtx-status-file FILE [--json] [--allow-truncated]

Shows the tape library: each drive and slot, the barcode of the tape in it, the slot a loaded
tape came from, import/export slots and cleaning tapes.

For now it reads a saved \`mtx -f <changer> status\` output (a diagnostic that needs no
running service); asking the running pytarchive service comes later.

Options:
  --mtx-status-file FILE  read this saved mtx status output
  --json                  print JSON: {"drives": [...], "slots": [...]} (barcode and
                          sourceSlot are null when unknown)
  --allow-truncated       accept a capture that lists fewer drives or slots than its header
  -h, --help              show this help
`;

async function readStatusFile(file: string, cwd: string): Promise<string> {
  const absolute = path.resolve(cwd, file);
  try {
    return await fs.readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (error as Error).message;
    throw new PytarchiveError(
      "CLI_FILE_UNREADABLE",
      `Cannot read the mtx status file ${file}: ${reason}.`,
      {
        hint: "Save the library's status with `mtx -f <changer> status > status.txt` and pass that file.",
        cause: error,
      },
    );
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
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
  if (positionals.length > 0) {
    throw new CliUsageError("library", `Unexpected argument '${positionals[0]}'.`);
  }
  const file = values["mtx-status-file"];
  if (file === undefined) {
    throw new CliUsageError(
      "library",
      "pytarchive library needs --mtx-status-file FILE for now: asking the running pytarchive service is not available yet.",
      {
        hint: "Save the library's status with `mtx -f <changer> status > status.txt`, then run `pytarchive library --mtx-status-file status.txt`.",
      },
    );
  }

  const text = await readStatusFile(file, io.cwd);
  let status: ReturnType<typeof parseMtxStatus>;
  try {
    status = parseMtxStatus(text, { allowTruncated: values["allow-truncated"] });
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
    values.json
      ? `${JSON.stringify(libraryStatusJson(status), null, 2)}\n`
      : libraryStatusTable(status),
  );
  return 0;
}

export const libraryCommand: CliCommand = {
  name: "library",
  summary: "show drives, slots and tapes (from a saved mtx status output, for now)",
  usage: USAGE,
  run,
};
