import path from "node:path";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { COMPRESSION_ERROR_CODES as CODES } from "./compression-errors.ts";

/**
 * `[General] exclude_folders` entries made exact: each is a path relative to the folder being
 * prepared (".cache", "a/b"), matched against that one place only — `sub/.cache` is not excluded
 * by ".cache". Whatever sits at an excluded path (folder, file or link) is neither measured nor
 * packed, and nothing below it is visited.
 */
export type ExcludedPaths = ReadonlySet<string>;

/**
 * Normalises exclude entries ("./.cache/" → ".cache") and refuses the ones that cannot be
 * relative to the folder. Empty entries (a trailing comma in the config) are ignored.
 *
 * @example normalizeExcludes([".cache", "./a/b/", ""]) // Set { ".cache", "a/b" }
 */
export function normalizeExcludes(entries: readonly string[]): ExcludedPaths {
  const excluded = new Set<string>();
  for (const entry of entries) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    const normalized = path.posix.normalize(trimmed).replace(/\/+$/, "");
    if (
      path.posix.isAbsolute(trimmed) ||
      normalized === "" ||
      normalized === "." ||
      normalized === ".." ||
      normalized.startsWith("../")
    ) {
      throw new PytarchiveError(
        CODES.excludeFolderInvalid,
        `exclude_folders entry "${entry}" is not a folder inside the folder being prepared`,
        {
          hint: 'Entries are relative to each prepared folder, e.g. ".cache" or "data/tmp"; fix [General] exclude_folders in pytarchive.conf.',
        },
      );
    }
    excluded.add(normalized);
  }
  return excluded;
}
