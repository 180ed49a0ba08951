import { absolutePathOrThrow, parseCommandLine } from "../client/arguments.ts";
import type { RemoteVerb } from "../client/remote-command.ts";
import { renderDeleteable } from "../render/deleteable.ts";
import { CliUsageError } from "../usage-error.ts";

function usage(name: string): string {
  return `usage: pytarchive ${name} [--ignore PREFIX...] [--json]

Lists archived folders whose original still exists, so they can be deleted by hand: a folder
is archived only after its copy on tape was verified. pytarchive never deletes anything
itself. Folders that do not answer within a short time (a hung network mount) are listed
apart, as not checked; so are folders whose only copies are on tapes of a simulated library
([Device] simulate): a loop image is no copy, so they are never safe to delete.${name === "deleteable" ? "" : "\n\n`deletable` is another spelling of `deleteable`."}

Options:
  --ignore PREFIX...  leave out folders under these full paths (several may follow one
                      --ignore, as in the original, or repeat --ignore)
  --json              print the reply as JSON: {"deleteable": [...], "unchecked": [...],
                      "simulatedOnly": [...]}
  -h, --help          show this help

Example:
  pytarchive ${name} --ignore /data/homes /data/scratch
`;
}

/**
 * Ignore prefixes from `--ignore A B --ignore C`: like the original's argparse `nargs="*"`,
 * the words after `--ignore` belong to it.
 */
function ignorePrefixes(
  name: string,
  tokens: ReturnType<typeof parseCommandLine>["tokens"],
  cwd: string,
): string[] {
  const prefixes: string[] = [];
  let afterIgnore = false;
  for (const token of tokens) {
    if (token.kind === "option") {
      if (token.name === "ignore" && token.value !== undefined) {
        prefixes.push(token.value);
        afterIgnore = true;
      } else {
        afterIgnore = false;
      }
    } else if (token.kind === "positional") {
      if (!afterIgnore) {
        throw new CliUsageError(
          name,
          `Unexpected argument '${token.value}': pytarchive ${name} takes only --ignore PREFIX...`,
        );
      }
      prefixes.push(token.value);
    } else {
      afterIgnore = false;
    }
  }
  return prefixes.map((prefix) => absolutePathOrThrow(name, "--ignore PREFIX", prefix, cwd));
}

function deleteableVerbNamed(name: string, summary: string): RemoteVerb<"deleteable"> {
  return {
    name,
    verb: "deleteable",
    summary,
    usage: usage(name),
    parse(argv, cwd) {
      const { tokens, json } = parseCommandLine(argv, {
        ignore: { type: "string", multiple: true },
      });
      const ignore = ignorePrefixes(name, tokens, cwd);
      return { json, request: ignore.length === 0 ? {} : { ignore } };
    },
    render: (reply) => renderDeleteable(reply),
  };
}

export const deleteableVerb = deleteableVerbNamed(
  "deleteable",
  "archived folders whose original still exists (safe to delete by hand)",
);

/** The spelling many people type; the same verb. */
export const deletableVerb = deleteableVerbNamed("deletable", "the same as deleteable");
