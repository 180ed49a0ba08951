import { parseArgs } from "node:util";
import type { CliCommand } from "../command.ts";
import { bashCompletionScript } from "../completion/bash-completion.ts";
import { usageWords } from "../completion/usage-words.ts";
import { CliUsageError } from "../usage-error.ts";

const USAGE = `usage: pytarchive completion bash

Prints the bash completion script for pytarchive: verbs, flags, folders and the tape barcodes of
the running pytarchive (asked with \`pytarchive tapes --json\`, 3 seconds at most, or
$PYTARCHIVE_COMPLETION_TIMEOUT seconds). Install it
once, for every user:

  pytarchive completion bash > /etc/bash_completion.d/pytarchive

or for this shell only: source <(pytarchive completion bash)

Options:
  -h, --help  show this help
`;

/**
 * The \`completion\` verb. \`verbs\` is read when it runs, so the script lists every verb
 * registered beside it.
 */
export function completionCommand(verbs: () => readonly CliCommand[]): CliCommand {
  return {
    name: "completion",
    summary: "print the bash completion script (verbs, flags, tape barcodes)",
    usage: USAGE,
    async run(argv, io) {
      const { positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true });
      if (positionals.length !== 1 || positionals[0] !== "bash") {
        throw new CliUsageError(
          "completion",
          positionals.length === 0
            ? "Name the shell: `pytarchive completion bash`."
            : `Unsupported shell '${positionals.join(" ")}': only bash is supported.`,
        );
      }
      io.stdout(bashCompletionScript(verbs().map((verb) => usageWords(verb.name, verb.usage))));
      return 0;
    },
  };
}
