import { jobIdsOrThrow, parseCommandLine } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderAborted } from "../render/queue-changes.ts";
import { CliUsageError } from "../usage-error.ts";

const USAGE = `usage: pytarchive abort ID... [--json]

Removes queued or failed tasks from the queue, and asks running ones to stop and clean up.
IDs are the 8 hex digits in brackets in \`pytarchive queue\`; several may be given apart or
comma-separated, and each is acted on by itself, as the original did: an unknown or finished
task is reported ("Task deadbeef not found.") and the others are still aborted. Original
folders are never touched.

Options:
  --json      print the reply as JSON: {"aborted": [...], "stopRequested": [...],
              "tooLate": [{"id", "message": "too late: archived"}],
              "skipped": [{"id", "code": "UNKNOWN_JOB", "message": "not found"}]}
  -h, --help  show this help

Example:
  pytarchive abort 3fa2b1c0 deadbeef
`;

export const abortVerb: RemoteVerb<"abort"> = {
  name: "abort",
  verb: "abort",
  summary: "remove tasks from the queue, or stop running ones",
  usage: USAGE,
  parse(argv) {
    const { positionals, json } = parseCommandLine(argv, {});
    const ids = jobIdsOrThrow("abort", positionals);
    if (ids.length === 0) {
      throw new CliUsageError("abort", "No tasks specified: give the ids of the tasks to abort.", {
        hint: "`pytarchive queue` lists the tasks with their ids; example: pytarchive abort 3fa2b1c0.",
      });
    }
    return { json, request: { ids } };
  },
  render: (reply) => renderAborted(reply),
  // An id that was not acted on (unknown, or in the wrong state) makes the command fail.
  incomplete: (reply) => (reply.skipped ?? []).length > 0,
};
