import { exactPositionals, parseCommandLine } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderSummary } from "../render/summary.ts";

const USAGE = `usage: pytarchive summary [--json]

Shows every tape with its fill (used / capacity, in binary units and in KiB) and the folders
archived on it, then the prepared folders with a suggested tape for each: the fullest tape
where the folder still fits.

Options:
  --json      print the reply as JSON: {"tapeMaxSizeKiB", "tapes": [...], "prepared": [...]}
  -h, --help  show this help

Example:
  pytarchive summary
`;

export const summaryVerb: RemoteVerb<"summary"> = {
  name: "summary",
  verb: "summary",
  summary: "tapes with their fill and folders; prepared folders with a suggested tape",
  usage: USAGE,
  parse(argv) {
    const { positionals, json } = parseCommandLine(argv, {});
    exactPositionals("summary", positionals, []);
    return { json, request: {} };
  },
  render: (reply) => renderSummary(reply),
};
