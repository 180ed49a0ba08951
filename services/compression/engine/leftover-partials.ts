import fs from "node:fs/promises";
import path from "node:path";
import { ARCHIVE_SUFFIXES, PARTIAL_SUFFIX } from "./tar-arguments.ts";

const PARTIAL_ENDINGS = Object.values(ARCHIVE_SUFFIXES).map((suffix) => suffix + PARTIAL_SUFFIX);

/**
 * Deletes the `.partial` archives an interrupted prepare left in scratch_path and returns their
 * paths. Only for start-up reconciliation: a prepare running at the same time on the same
 * scratch_path would lose its archive in the making.
 *
 * @example await removeLeftoverPartials("/scratch") // ["/scratch/alpha.tar.zst.partial"]
 */
export async function removeLeftoverPartials(scratchPath: string): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await fs.readdir(scratchPath, { withFileTypes: true })) {
    if (!entry.isFile() || !PARTIAL_ENDINGS.some((ending) => entry.name.endsWith(ending))) continue;
    const partial = path.join(scratchPath, entry.name);
    await fs.rm(partial, { force: true });
    removed.push(partial);
  }
  return removed;
}
