import { exactPositionals, parseCommandLine } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderTapes } from "../render/tapes.ts";

const USAGE = `usage: pytarchive tapes [--json]

Lists the tapes pytarchive knows: where each is (slot or drive), its state, and how full it is.
Cleaning tapes are marked.

Options:
  --json      print the reply as JSON: {"tapes": [...]}
  -h, --help  show this help

Example:
  pytarchive tapes
`;

export const tapesVerb: RemoteVerb<"tapes"> = {
  name: "tapes",
  verb: "tapes",
  summary: "list the tapes: where each is, its state and fill",
  usage: USAGE,
  parse(argv) {
    const { positionals, json } = parseCommandLine(argv, {});
    exactPositionals("tapes", positionals, []);
    return { json, request: {} };
  },
  render: (reply) => renderTapes(reply),
};
