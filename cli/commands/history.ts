import { exactPositionals, parseCommandLine } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderHistory } from "../render/history.ts";
import { CliUsageError } from "../usage-error.ts";

const USAGE = `usage: pytarchive history [--failed] [--since DATE] [--limit N] [--json]

Lists finished tasks, the newest first: how each ended (done, failed or aborted), when it
started and ended, and the bytes and files it read, wrote or checked. A failed task stays
here (and in \`pytarchive queue\`) until it is requeued or aborted.

Options:
  --failed        only tasks that failed
  --since DATE    only tasks that ended at or after DATE: 2026-12-01, or 2026-12-01T08:00
                  (local time unless a zone such as Z or +01:00 is given)
  --limit N       at most N tasks, the newest (1 to 1000; default 50)
  --json          print the reply as JSON: {"jobs": [{"id", "kind", "outcome", "description",
                  "error", "summary", "createdAt", "startedAt", "finishedAt", "bytes", "files",
                  "attempts", "args"}]}
  -h, --help      show this help

Examples:
  pytarchive history
  pytarchive history --failed --since 2026-12-01
`;

const LIMIT_MAX = 1000;

export const historyVerb: RemoteVerb<"history"> = {
  name: "history",
  verb: "history",
  summary: "finished tasks with their outcome, times, bytes and files",
  usage: USAGE,
  parse(argv) {
    const { values, positionals, json } = parseCommandLine(argv, {
      failed: { type: "boolean", default: false },
      since: { type: "string" },
      limit: { type: "string" },
    });
    exactPositionals("history", positionals, []);
    const since = typeof values.since === "string" ? values.since : undefined;
    if (since !== undefined && !/^\d{4}-\d{2}-\d{2}([T ].+)?$/.test(since.trim())) {
      throw new CliUsageError(
        "history",
        `--since takes a date such as 2026-12-01, not '${since}'.`,
        {
          hint: "Give YEAR-MONTH-DAY, optionally with a time: --since 2026-12-01T08:00.",
        },
      );
    }
    const limit = typeof values.limit === "string" ? limitOrThrow(values.limit) : undefined;
    return {
      json,
      request: {
        ...(values.failed === true ? { failed: true } : {}),
        ...(since === undefined ? {} : { since: since.trim() }),
        ...(limit === undefined ? {} : { limit }),
      },
    };
  },
  render: (reply, request) => renderHistory(reply, request),
};

function limitOrThrow(value: string): number {
  const trimmed = value.trim();
  const parsed = Number(trimmed);
  if (!/^\+?\d+$/.test(trimmed) || parsed < 1 || parsed > LIMIT_MAX) {
    throw new CliUsageError(
      "history",
      `--limit must be a whole number from 1 to ${LIMIT_MAX}, not '${value}'.`,
      { hint: "Example: --limit 200; --since DATE goes back in time instead." },
    );
  }
  return parsed;
}
