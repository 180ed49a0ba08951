import { jobIdsOrThrow, parseCommandLine } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderRequeued } from "../render/queue-changes.ts";
import { CliUsageError } from "../usage-error.ts";

const USAGE = `usage: pytarchive requeue ID... | --all [--json]

Puts failed tasks back in the queue: their error is cleared and they run again in priority
order. IDs are the 8 hex digits in brackets in \`pytarchive queue\`; several may be given
apart or comma-separated, and each is acted on by itself, as the original did: an unknown task
or one that did not fail is reported ("Task deadbeef not found.") and the others are requeued;
the command then exits 1.

Options:
  --all       requeue every failed task
  --json      print the reply as JSON: {"requeued": [...], "skipped": [{"id", "code", "message"}]}
  -h, --help  show this help

Examples:
  pytarchive requeue 3fa2b1c0
  pytarchive requeue 3fa2b1c0,deadbeef
  pytarchive requeue --all
`;

export const requeueVerb: RemoteVerb<"requeue"> = {
  name: "requeue",
  verb: "requeue",
  summary: "put failed tasks back in the queue (by id, or --all)",
  usage: USAGE,
  parse(argv) {
    const { values, positionals, json } = parseCommandLine(argv, {
      all: { type: "boolean", default: false },
    });
    const ids = jobIdsOrThrow("requeue", positionals);
    const all = values.all === true;
    if (all && ids.length > 0) {
      throw new CliUsageError(
        "requeue",
        "Give either task ids or --all, not both: --all already requeues every failed task.",
      );
    }
    if (!all && ids.length === 0) {
      throw new CliUsageError(
        "requeue",
        "No tasks specified: give the ids of failed tasks, or --all.",
        {
          hint: "`pytarchive queue` lists the failed tasks with their ids; example: pytarchive requeue 3fa2b1c0.",
        },
      );
    }
    return { json, request: all ? { all: true } : { ids } };
  },
  render: (reply) => renderRequeued(reply),
  // An id that was not acted on (unknown, or in the wrong state) makes the command fail.
  incomplete: (reply) => (reply.skipped ?? []).length > 0,
};
