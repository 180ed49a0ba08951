import { PytarchiveError } from "../errors/index.ts";
import { redactCredentials } from "./redact.ts";

/*
 * An INI reader that follows Python's configparser, because pytarchive.conf files were written
 * for it. The `ini` npm package reads a different dialect: it has no indented continuation
 * lines, no `key: value` delimiter, no strict refusal of duplicates, and it treats `;`/`#`
 * inside values by its own rules. Behaviour copied from configparser (strict mode):
 *   - `[Name]` starts a section; names are case-sensitive, text after the last `]` is ignored;
 *   - `key = value` or `key: value` (the first delimiter wins); keys are lower-cased;
 *   - full-line comments start with `#` or `;` (also when indented);
 *   - inline comments start with `#` or `;` preceded by whitespace (configparser's
 *     inline_comment_prefixes, which the reference file relies on: `scratch_path = /tmp # …`);
 *   - a line indented deeper than its key line continues the value (joined with "\n");
 *     empty lines inside a value are kept, trailing ones dropped;
 *   - `[DEFAULT]` holds keys every section falls back to (see `lookupIniValue`);
 *   - a section or a key that appears twice is refused.
 */

/** One `key = value`, with the line it started on (for error messages). */
export interface IniEntry {
  readonly key: string;
  /** The value as written, before `%(name)s` interpolation. */
  readonly value: string;
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  /** Line of the (first) `[Name]` header; 0 for a `[DEFAULT]` that the file does not have. */
  readonly line: number;
  /** Keys in file order, lower-cased. */
  readonly entries: ReadonlyMap<string, IniEntry>;
}

export interface IniDocument {
  /** File name (or other label) used in error messages. */
  readonly source: string;
  /** `[DEFAULT]`: every section falls back to these keys. */
  readonly defaults: IniSection;
  /** Every other section, in file order. */
  readonly sections: ReadonlyMap<string, IniSection>;
}

export const DEFAULT_SECTION = "DEFAULT";

const COMMENT_PREFIXES = ["#", ";"] as const;
const SECTION_HEADER = /^\[(.+)\]/;
const OPTION_LINE = /^(.*?)\s*([=:])\s*(.*)$/;

interface SectionBuilder {
  readonly name: string;
  readonly line: number;
  readonly entries: Map<string, { key: string; lines: string[]; line: number }>;
}

/**
 * Reads INI text the way Python's configparser does (strict mode, `#`/`;` comments, inline
 * comments after whitespace). Throws a `PytarchiveError` with code CONFIG_SYNTAX naming
 * `source` and the line for anything configparser would refuse.
 *
 * @example
 * const doc = parseIni("[General]\nscratch_path = /tmp # where archives go\n", "pytarchive.conf");
 * doc.sections.get("General")?.entries.get("scratch_path")?.value; // "/tmp"
 */
export function parseIni(text: string, source: string): IniDocument {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const defaults: SectionBuilder = { name: DEFAULT_SECTION, line: 0, entries: new Map() };
  const sections = new Map<string, SectionBuilder>();
  let section: SectionBuilder | null = null;
  let entry: { key: string; lines: string[]; line: number } | null = null;
  let indentLevel = 0;

  lines.forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const commentStart = isFullLineComment(rawLine) ? 0 : findInlineComment(rawLine);
    const value = (commentStart === null ? rawLine : rawLine.slice(0, commentStart)).trim();
    if (value === "") {
      // configparser keeps a blank line inside a value, but not a comment-only line.
      if (commentStart === null && section !== null && entry !== null) entry.lines.push("");
      return;
    }
    const indent = rawLine.search(/\S/);
    if (section !== null && entry !== null && indent > indentLevel) {
      entry.lines.push(value);
      return;
    }
    indentLevel = indent;

    const header = SECTION_HEADER.exec(value);
    if (header) {
      const name = header[1] ?? "";
      entry = null;
      if (name === DEFAULT_SECTION) {
        section = defaults;
        return;
      }
      const earlier = sections.get(name);
      if (earlier) {
        throw syntaxError(
          source,
          lineNumber,
          `section [${name}] appears a second time (first at line ${earlier.line})`,
          `Merge the two [${name}] sections into one; configparser refuses duplicate sections.`,
        );
      }
      section = { name, line: lineNumber, entries: new Map() };
      sections.set(name, section);
      return;
    }
    if (section === null) {
      throw syntaxError(
        source,
        lineNumber,
        `${JSON.stringify(value)} comes before any [Section] header`,
        "Every key belongs to a section: start the file with a header such as [General].",
      );
    }
    const option = OPTION_LINE.exec(value);
    const key = option?.[1]?.trimEnd().toLowerCase() ?? "";
    if (!option || key === "") {
      throw syntaxError(
        source,
        lineNumber,
        `${JSON.stringify(value)} is neither a [Section] header nor a "key = value" line`,
        'Write settings as "key = value" (or "key: value"); indent a line to continue the value above it.',
      );
    }
    const earlier = section.entries.get(key);
    if (earlier) {
      throw syntaxError(
        source,
        lineNumber,
        `[${section.name}] ${key} is set a second time (first at line ${earlier.line})`,
        `Keep one ${key} line in [${section.name}]; configparser refuses duplicate keys.`,
      );
    }
    entry = { key, lines: [option[3] ?? ""], line: lineNumber };
    section.entries.set(key, entry);
  });

  return {
    source,
    defaults: freezeSection(defaults),
    sections: new Map([...sections].map(([name, built]) => [name, freezeSection(built)])),
  };
}

function freezeSection(built: SectionBuilder): IniSection {
  const entries = new Map<string, IniEntry>();
  for (const [key, { lines, line }] of built.entries) {
    entries.set(key, { key, value: lines.join("\n").trimEnd(), line });
  }
  return { name: built.name, line: built.line, entries };
}

function isFullLineComment(line: string): boolean {
  const trimmed = line.trim();
  return COMMENT_PREFIXES.some((prefix) => trimmed.startsWith(prefix));
}

/**
 * Where an inline comment starts, or null. Mirrors configparser's search: look at the next
 * occurrence of each prefix in turn until one is at the line start or follows whitespace.
 */
function findInlineComment(line: string): number | null {
  let searchFrom = new Map<string, number>(COMMENT_PREFIXES.map((prefix) => [prefix, -1]));
  while (searchFrom.size > 0) {
    const next = new Map<string, number>();
    let found: number | null = null;
    for (const [prefix, after] of searchFrom) {
      const at = line.indexOf(prefix, after + 1);
      if (at === -1) continue;
      next.set(prefix, at);
      if (at === 0 || /\s/.test(line[at - 1] ?? "")) found = Math.min(found ?? at, at);
    }
    if (found !== null) return found;
    searchFrom = next;
  }
  return null;
}

function syntaxError(source: string, line: number, problem: string, hint: string): PytarchiveError {
  return new PytarchiveError("CONFIG_SYNTAX", `${source}:${line}: ${redactCredentials(problem)}`, {
    hint,
  });
}
