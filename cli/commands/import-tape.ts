import { barcodeOrThrow, parseCommandLine, priorityOrThrow } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { CliUsageError } from "../usage-error.ts";

const DEFAULT_IMPORT_PRIORITY = 100;

const USAGE = `usage: pytarchive import-tape TAPE... | --all [--priority N] [--json]

Queues one task per tape that loads it, mounts it read-only and records every folder on it in
the catalog: folders pytarchive wrote from their manifests (checked by their digest, nothing
re-hashed), folders written by anything else (the original pytarchive, cp, other LTFS tools)
by reading and hashing every file. Imported folders are archived, not verified: \`pytarchive
verify TAPE\` verifies those with manifests, \`pytarchive verify --adopt\` compares the others
with their originals. A folder the catalog already has is compared and left as it is, so
importing a tape again changes nothing. The tape is never written.

Arguments:
  TAPE          a tape barcode, e.g. AAK788L9; several may be given

Options:
  --all         every data tape in the library (rebuild the catalog from the tapes)
  --priority N  queue priority 0-1000, lower runs first (default ${DEFAULT_IMPORT_PRIORITY})
  --json        print the reply as JSON: {"jobs": [{"tape", "jobId"}], "message"}
  -h, --help    show this help

Examples:
  pytarchive import-tape AAK788L9
  pytarchive import-tape --all
`;

export const importTapeVerb: RemoteVerb<"import-tape"> = {
  name: "import-tape",
  verb: "import-tape",
  summary: "record what is on tapes in the catalog (by barcode, or --all)",
  usage: USAGE,
  parse(argv) {
    const { values, positionals, json } = parseCommandLine(
      argv,
      { all: { type: "boolean", default: false }, priority: { type: "string" } },
      ["priority"],
    );
    const all = values.all === true;
    if (all === positionals.length > 0) {
      throw new CliUsageError(
        "import-tape",
        all
          ? "Give either tape barcodes or --all, not both: --all already imports every tape."
          : "No tapes specified: give their barcodes, or --all.",
        {
          hint: "`pytarchive tapes` lists the tapes in the library; example: pytarchive import-tape AAK788L9.",
        },
      );
    }
    const priority = priorityOrThrow(
      "import-tape",
      values.priority as string | undefined,
      DEFAULT_IMPORT_PRIORITY,
    );
    return {
      json,
      request: {
        ...(all
          ? { all: true }
          : { tapes: positionals.map((tape) => barcodeOrThrow("import-tape", tape)) }),
        ...(priority === undefined ? {} : { priority }),
      },
    };
  },
  render: (reply) =>
    `${reply.jobs.length === 0 ? "Importing no tapes" : `Importing ${reply.jobs.length === 1 ? "tape" : "tapes"}: ${reply.jobs.map((job) => job.tape).join(", ")}`}\n${reply.message}\n`,
};
