import { DEFAULT_PRIORITIES } from "../../shared/messages/index.ts";
import { absolutePathOrThrow, parseCommandLine, priorityOrThrow } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderJobQueued } from "../render/job-queued.ts";

const USAGE = `usage: pytarchive inventory [FOLDER...] [--priority N] [--json]

Queues an inventory: the size and last change of every subfolder of each FOLDER, grouped by
age (older than 2 years, 1 year, 6 months, recent), mailed as a report.

Arguments:
  FOLDER        full path of a folder whose subfolders are reported (default: the
                \`[General] source_folders\` of the configuration)

Options:
  --priority N  queue priority 0-1000, lower runs first (default ${DEFAULT_PRIORITIES.inventory})
  --json        print the gateway's reply as JSON
  -h, --help    show this help

Example:
  pytarchive inventory /data/homes /data/projects
`;

export const inventoryVerb: RemoteVerb<"inventory"> = {
  name: "inventory",
  verb: "inventory",
  summary: "report size and age of the subfolders of the source folders",
  usage: USAGE,
  parse(argv, cwd) {
    const { values, positionals, json } = parseCommandLine(argv, { priority: { type: "string" } }, [
      "priority",
    ]);
    const folders = positionals.map((folder) =>
      absolutePathOrThrow("inventory", "FOLDER", folder, cwd),
    );
    const priority = priorityOrThrow(
      "inventory",
      values.priority as string | undefined,
      DEFAULT_PRIORITIES.inventory,
    );
    return {
      json,
      request: {
        ...(folders.length === 0 ? {} : { folders }),
        ...(priority === undefined ? {} : { priority }),
      },
    };
  },
  render(reply, request) {
    const what =
      request.folders === undefined
        ? "the source folders of the configuration"
        : request.folders.join(", ");
    return renderJobQueued(`Taking inventory of: ${what}`, reply);
  },
};
