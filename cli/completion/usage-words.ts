/** What bash completion needs to know of one verb, read from its usage text. */
export interface VerbWords {
  readonly name: string;
  /** Every option the usage shows (`--json`, `-t`, `--priority` …), sorted. */
  readonly flags: readonly string[];
  /** Options followed by a value in the usage line (`-t NAME`, `--priority N`). */
  readonly flagsWithValue: readonly string[];
  /** The positional words of the usage line in order (`FOLDER`, `TAPE`, `FOLDER|TAPE`, `FOLDER...`). */
  readonly positionals: readonly string[];
}

const FLAG = /(?<![\w-])(--?[a-z][a-z-]*)/g;
const FLAG_WITH_VALUE = /(?<![\w-])(--?[a-z][a-z-]*) [A-Z][A-Z_]*/g;

/**
 * Reads a verb's words from its usage text, whose first line is
 * `usage: pytarchive <verb> POSITIONAL… [--flag VALUE] …` and whose Options section lists the rest.
 *
 * @example
 * usageWords("archive", "usage: pytarchive archive FOLDER TAPE [-t NAME] [--json]\n").positionals // ["FOLDER", "TAPE"]
 */
export function usageWords(name: string, usage: string): VerbWords {
  const [firstLine = ""] = usage.split("\n");
  const synopsis = firstLine.replace(/^usage: pytarchive \S+/, "");
  // Options are those of the synopsis and of the Options section's lines (`  -t, --targetname NAME`).
  const optionText = [synopsis, ...usage.split("\n").filter((line) => /^\s+-/.test(line))].join(
    "\n",
  );
  const flags = new Set([...optionText.matchAll(FLAG)].map((match) => match[1] as string));
  const flagsWithValue = new Set(
    [...synopsis.matchAll(FLAG_WITH_VALUE)].map((m) => m[1] as string),
  );
  // Positionals: the upper-case words of the synopsis outside option brackets (an optional
  // positional, `[FOLDER...]`, counts) and not an option's value.
  const outsideOptions = synopsis
    .replace(/\[([A-Z][A-Z|.]*)\]/g, " $1 ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\|\s*--\S+/g, " ");
  const positionals = outsideOptions.split(/\s+/).filter((word) => /^[A-Z][A-Z|.]*$/.test(word));
  return {
    name,
    flags: [...flags].sort(),
    flagsWithValue: [...flagsWithValue].sort(),
    positionals,
  };
}
