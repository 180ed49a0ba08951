import { DEFAULT_EXPLORE_SECONDS, DEFAULT_PRIORITIES } from "../../shared/messages/index.ts";
import {
  barcodeOrThrow,
  emailOrThrow,
  exactPositionals,
  parseCommandLine,
  positiveSecondsOrThrow,
  priorityOrThrow,
} from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderJobQueued } from "../render/job-queued.ts";

const USAGE = `usage: pytarchive explore TAPE [-t SECONDS] [-e ADDRESS] [--priority N] [--json]

Queues read-only access to TAPE: it is mounted and exported over NFS (to the network in
\`[Export] to\`) for SECONDS, then unexported and unmounted.

Arguments:
  TAPE                barcode of the tape, e.g. AAK788L9

Options:
  -t, --time SECONDS  how long the tape stays exported (default ${DEFAULT_EXPLORE_SECONDS}; at most
                      [Export] max_seconds, 7 days unless set)
  -e, --email ADDRESS mail this address when the tape can be mounted
  --priority N        queue priority 0-1000, lower runs first (default ${DEFAULT_PRIORITIES.explore})
  --json              print the gateway's reply as JSON
  -h, --help          show this help

Example:
  pytarchive explore AAK788L9 -t 3600 -e operator@example.org
`;

export const exploreVerb: RemoteVerb<"explore"> = {
  name: "explore",
  verb: "explore",
  summary: "export a tape read-only over NFS for a while",
  usage: USAGE,
  parse(argv) {
    const { values, positionals, json } = parseCommandLine(
      argv,
      {
        time: { type: "string", short: "t" },
        email: { type: "string", short: "e" },
        priority: { type: "string" },
      },
      ["time", "priority"],
    );
    const [tape] = exactPositionals("explore", positionals, ["TAPE"]) as [string];
    const seconds = positiveSecondsOrThrow(
      "explore",
      values.time as string | undefined,
      DEFAULT_EXPLORE_SECONDS,
    );
    const email = values.email as string | undefined;
    const priority = priorityOrThrow(
      "explore",
      values.priority as string | undefined,
      DEFAULT_PRIORITIES.explore,
    );
    return {
      json,
      request: {
        tape: barcodeOrThrow("explore", tape),
        ...(seconds === undefined ? {} : { seconds }),
        ...(email === undefined ? {} : { email: emailOrThrow("explore", email) }),
        ...(priority === undefined ? {} : { priority }),
      },
    };
  },
  render(reply, request) {
    const seconds = request.seconds ?? DEFAULT_EXPLORE_SECONDS;
    const mail = request.email === undefined ? "" : `, mail to ${request.email}`;
    return renderJobQueued(`Exploring tape: ${request.tape} for ${seconds} s${mail}`, reply);
  },
};
