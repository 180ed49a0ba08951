import {
  type LegacyPlan,
  parseLegacyDatabase,
  parseLegacyQueue,
  planLegacyImport,
} from "../../shared/legacy/index.ts";
import {
  LEGACY_ERROR_MAX_CHARS,
  LEGACY_FOLDERS_PER_REQUEST,
  LEGACY_JOBS_PER_REQUEST,
  type LegacyImportReply,
} from "../../shared/messages/index.ts";
import { exactPositionals, parseCommandLine } from "../client/arguments.ts";
import type { GatewayConnector } from "../client/gateway-client.ts";
import { readCommandLineFile } from "../client/read-file.ts";
import type { CliCommand } from "../command.ts";
import { renderLegacyDryRun, renderLegacyImport } from "../render/import-legacy.ts";

const USAGE = `usage: pytarchive import-legacy DATABASE_JSON [--queue QUEUE_JSON] [--dry-run] [--json]

Brings the original pytarchive's state into the catalog: every folder of its database.json (with
its description, size, dates, state, tape and place on the tape) and, with --queue, every task
of its queue.json (queued ones are queued again with their priorities, failed ones are listed as
failed with their error). Tapes the library has not seen are recorded as not in the library
until it does. Folders the original archived have no checksums: they are "archived, not
verified", and \`deleteable\` leaves them out until \`pytarchive verify --adopt\` checked them.
Importing again changes nothing; an entry that cannot be imported is reported with its line.

Arguments:
  DATABASE_JSON        the original's database.json (usually /var/lib/pytarchive/database.json)

Options:
  --queue QUEUE_JSON   the original's queue.json as well
  --dry-run            read and check the files and print what would be imported; needs no
                       running pytarchive and changes nothing
  --json               print JSON; with --dry-run exactly one object:
                       {"folders": [...], "tapes": [...], "queue": [...], "problems": [...]}
  -h, --help           show this help

Examples:
  pytarchive import-legacy /var/lib/pytarchive/database.json --queue /var/lib/pytarchive/queue.json --dry-run
  pytarchive import-legacy /var/lib/pytarchive/database.json --queue /var/lib/pytarchive/queue.json
`;

/**
 * Most the original's database.json or queue.json can take: an entry is a few hundred bytes, so
 * this holds hundreds of thousands of folders, and the files are read whole into memory.
 */
const LEGACY_FILE_MAX_BYTES = 256 * 1024 * 1024;

const FILE_HINT =
  "Give the path of the original pytarchive's file (usually in /var/lib/pytarchive); run as a user who may read it.";

/** A failed task's text kept whole up to the limit, else its start and its end (the exception). */
function boundedError(text: string | null): string | null {
  if (text === null || text.length <= LEGACY_ERROR_MAX_CHARS) return text;
  const half = Math.floor((LEGACY_ERROR_MAX_CHARS - 20) / 2);
  return `${text.slice(0, half)}\n… (cut) …\n${text.slice(-half)}`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

/** Folders first (the tasks refer to them), in batches that fit a NATS message. */
async function importPlan(plan: LegacyPlan, connect: GatewayConnector): Promise<LegacyImportReply> {
  const gateway = await connect();
  const total: LegacyImportReply = { folders: [], jobs: [], tapesAdded: [] };
  try {
    const requests = [
      ...chunks(plan.folders, LEGACY_FOLDERS_PER_REQUEST).map((folders) => ({ folders, jobs: [] })),
      ...chunks(plan.jobs, LEGACY_JOBS_PER_REQUEST).map((jobs) => ({
        folders: [],
        jobs: jobs.map((job) => ({ ...job, failed: boundedError(job.failed) })),
      })),
    ];
    for (const request of requests) {
      const reply = await gateway.send("import-legacy", request);
      total.folders.push(...reply.folders);
      total.jobs.push(...reply.jobs);
      total.tapesAdded.push(...reply.tapesAdded);
    }
  } finally {
    await gateway.close();
  }
  return total;
}

/**
 * `pytarchive import-legacy`: reads and maps the files here (so the dry run needs no service),
 * then, unless --dry-run, sends what to record to the gateway. Exit 1 when any entry was not
 * imported (each is listed), 0 otherwise.
 */
export function importLegacyCommand(connect: GatewayConnector): CliCommand {
  return {
    name: "import-legacy",
    summary: "import the original pytarchive's database.json and queue.json",
    usage: USAGE,
    async run(argv, io) {
      const { values, positionals, json } = parseCommandLine(argv, {
        queue: { type: "string" },
        "dry-run": { type: "boolean", default: false },
      });
      const [databaseFile] = exactPositionals("import-legacy", positionals, ["DATABASE_JSON"]) as [
        string,
      ];
      const queueFile = values.queue as string | undefined;
      const folders = parseLegacyDatabase(
        databaseFile,
        await readCommandLineFile(
          databaseFile,
          io.cwd,
          "database file",
          FILE_HINT,
          LEGACY_FILE_MAX_BYTES,
        ),
      );
      const tasks =
        queueFile === undefined
          ? null
          : parseLegacyQueue(
              queueFile,
              await readCommandLineFile(
                queueFile,
                io.cwd,
                "queue file",
                FILE_HINT,
                LEGACY_FILE_MAX_BYTES,
              ),
            );
      const plan = planLegacyImport(folders, tasks, {
        database: databaseFile,
        queue: queueFile ?? null,
      });
      if (values["dry-run"] === true) {
        io.stdout(json ? `${JSON.stringify(plan.dryRun)}\n` : renderLegacyDryRun(plan));
        return 0;
      }
      const reply = await importPlan(plan, connect);
      io.stdout(
        json
          ? `${JSON.stringify({ ...reply, problems: plan.problems }, null, 2)}\n`
          : renderLegacyImport(reply, plan),
      );
      const notImported =
        reply.folders.some((entry) => entry.outcome === "refused") ||
        reply.jobs.some((entry) => entry.outcome === "refused") ||
        plan.problems.some((problem) => problem.message.startsWith("not imported"));
      return notImported ? 1 : 0;
    },
  };
}
