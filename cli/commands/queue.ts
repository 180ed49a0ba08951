import { exactPositionals, parseCommandLine } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderQueue } from "../render/queue.ts";

const USAGE = `usage: pytarchive queue [--json]

Lists the tasks: failed ones first, with their error, then the running ones with their
progress, then the queued ones in the order they will run (priority, then age), then the
tasks that ended in the last 10 minutes with their outcome (done or aborted; all finished
tasks: \`pytarchive history\`). The id in brackets is what \`requeue\` and \`abort\` take.

Options:
  --json      print the reply as JSON: {"running": [...], "queued": [...], "failed": [...],
              "recent": [...]}
  -h, --help  show this help

Example:
  pytarchive queue
`;

export const queueVerb: RemoteVerb<"queue"> = {
  name: "queue",
  verb: "queue",
  summary: "list failed, running and queued tasks with their ids",
  usage: USAGE,
  parse(argv) {
    const { positionals, json } = parseCommandLine(argv, {});
    exactPositionals("queue", positionals, []);
    return { json, request: {} };
  },
  render: (reply) => renderQueue(reply),
};
