import { InvalidExcludeError } from "./errors.ts";

/**
 * Decides whether a path below the archived folder is excluded.
 * `exclude_folders` entries are paths relative to the archived folder (`.cache` is
 * `<folder>/.cache`, not every `.cache` at any depth): an entry excludes that path and everything
 * below it. Entries are compared exactly, case-sensitively, after dropping `./` and trailing `/`.
 */
export interface ExcludeFilter {
  /** The normalised entries, e.g. [".cache", ".local/share"]. */
  readonly entries: readonly string[];
  /** True when `relativePath` ("a/b/c", "/"-separated) is an entry or lies inside one. */
  isExcluded(relativePath: string): boolean;
}

/** Throws InvalidExcludeError for an entry that cannot name a folder inside the archived folder. */
export function normaliseExcludeEntry(entry: string): string {
  const trimmed = entry.trim().replace(/\/+$/, "");
  if (trimmed === "") throw new InvalidExcludeError(entry, "is empty");
  if (trimmed.startsWith("/")) {
    throw new InvalidExcludeError(entry, "starts with /; it must be relative to the folder");
  }
  const parts = trimmed.split("/").filter((part, index) => !(index === 0 && part === "."));
  if (parts.some((part) => part === ".." || part === "." || part === "")) {
    throw new InvalidExcludeError(entry, 'contains ".", ".." or "//"');
  }
  return parts.join("/");
}

/**
 * @example
 * const filter = createExcludeFilter([".cache", "build/tmp/"]);
 * filter.isExcluded(".cache/pip/x.whl") // true
 * filter.isExcluded("src/.cache")       // false: entries are relative to the folder
 */
export function createExcludeFilter(entries: readonly string[]): ExcludeFilter {
  const normalised = [...new Set(entries.map(normaliseExcludeEntry))];
  const exact = new Set(normalised);
  return {
    entries: normalised,
    isExcluded(relativePath) {
      if (exact.size === 0) return false;
      // Walk up the path's ancestors: "a/b/c" is excluded by "a/b/c", "a/b" or "a".
      let candidate = relativePath;
      for (;;) {
        if (exact.has(candidate)) return true;
        const slash = candidate.lastIndexOf("/");
        if (slash < 0) return false;
        candidate = candidate.slice(0, slash);
      }
    },
  };
}
