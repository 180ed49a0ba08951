import { PytarchiveError } from "../errors/index.ts";
import { DEFAULT_SECTION, type IniDocument, type IniEntry } from "./ini.ts";
import { shownValue } from "./redact.ts";

/** A value as a section sees it: its own key or the `[DEFAULT]` one, with `%(name)s` resolved. */
export interface IniValue {
  readonly value: string;
  readonly line: number;
  /** The section the line is in: the section asked for, or DEFAULT. */
  readonly writtenIn: string;
}

// configparser's limit; deeper chains are almost always a reference loop.
const MAX_INTERPOLATION_DEPTH = 10;
const REFERENCE = /^%\(([^)]+)\)s/;

/**
 * The value of `key` as configparser's `get(section, key)` returns it: the section's own key,
 * else the `[DEFAULT]` key, with BasicInterpolation applied (`%%` is a literal `%`,
 * `%(name)s` is another key of the same section or of DEFAULT). As in configparser, DEFAULT
 * keys are seen only by sections the file has. Returns undefined when the key is not set.
 *
 * @example
 * const doc = parseIni("[DEFAULT]\nbase = /srv\n[General]\nscratch_path = %(base)s/scratch\n", "f");
 * lookupIniValue(doc, "General", "scratch_path")?.value; // "/srv/scratch"
 */
export function lookupIniValue(
  document: IniDocument,
  sectionName: string,
  key: string,
): IniValue | undefined {
  const section = document.sections.get(sectionName);
  if (section === undefined) return undefined;
  const find = (name: string): { entry: IniEntry; writtenIn: string } | undefined => {
    const own = section.entries.get(name);
    if (own) return { entry: own, writtenIn: sectionName };
    const fallback = document.defaults.entries.get(name);
    return fallback ? { entry: fallback, writtenIn: DEFAULT_SECTION } : undefined;
  };
  const found = find(key);
  if (found === undefined) return undefined;
  const { entry, writtenIn } = found;

  const fail = (problem: string, hint: string): PytarchiveError =>
    new PytarchiveError(
      "CONFIG_SYNTAX",
      `${document.source}:${entry.line}: [${sectionName}] ${key} = ${JSON.stringify(shownValue(key, entry.value))}: ${problem}`,
      { hint },
    );

  const expand = (text: string, depth: number): string => {
    if (depth > MAX_INTERPOLATION_DEPTH) {
      throw fail(
        `%(name)s references nest deeper than ${MAX_INTERPOLATION_DEPTH} levels`,
        "Look for keys that refer to each other in a loop.",
      );
    }
    let result = "";
    let rest = text;
    while (rest !== "") {
      const percent = rest.indexOf("%");
      if (percent === -1) return result + rest;
      result += rest.slice(0, percent);
      rest = rest.slice(percent);
      if (rest.startsWith("%%")) {
        result += "%";
        rest = rest.slice(2);
        continue;
      }
      const reference = REFERENCE.exec(rest);
      if (!reference) {
        throw fail(
          `a lone "%": configparser reads % as the start of a %(name)s reference`,
          "Write %% for a literal %, as Python's configparser requires.",
        );
      }
      const name = (reference[1] ?? "").toLowerCase();
      rest = rest.slice(reference[0].length);
      const target = find(name);
      if (target === undefined) {
        throw fail(
          `refers to %(${name})s, but neither [${sectionName}] nor [${DEFAULT_SECTION}] has a key ${name}`,
          `Add ${name} = … to [${DEFAULT_SECTION}] or [${sectionName}], or write %% for a literal %.`,
        );
      }
      result += target.entry.value.includes("%")
        ? expand(target.entry.value, depth + 1)
        : target.entry.value;
    }
    return result;
  };

  return { value: expand(entry.value, 1), line: entry.line, writtenIn };
}

/** Every name used in a `%(name)s` reference anywhere in the document (lower-cased). */
export function interpolationReferences(document: IniDocument): Set<string> {
  const names = new Set<string>();
  const sections = [document.defaults, ...document.sections.values()];
  for (const section of sections) {
    for (const { value } of section.entries.values()) {
      for (const match of value.matchAll(/%\(([^)]+)\)s/g))
        names.add((match[1] ?? "").toLowerCase());
    }
  }
  return names;
}
