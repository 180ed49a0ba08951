import { lstat, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import type { RestoreEntry } from "./restore-plan.ts";

/**
 * The folders and symbolic links of a folder on the tape, parents before what they hold, with
 * their modes and times as the tape shows them: what a restore takes from the tape itself for a
 * folder written without a manifest (by the original pytarchive, `cp` or another LTFS tool).
 * Files come from the catalog, whose checksums the restore checks.
 *
 * @example
 * await structureFromTape("/ltfs0/projects_2019_survey") // [{ path: "data", type: "directory", … }]
 */
export async function structureFromTape(folderOnTape: string): Promise<RestoreEntry[]> {
  const entries: RestoreEntry[] = [];
  const visit = async (relativeDir: string): Promise<void> => {
    const dirents = await readdir(path.join(folderOnTape, relativeDir), { withFileTypes: true });
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const dirent of dirents) {
      if (!dirent.isDirectory() && !dirent.isSymbolicLink()) continue;
      const relative = relativeDir === "" ? dirent.name : `${relativeDir}/${dirent.name}`;
      const absolute = path.join(folderOnTape, relative);
      const stats = await lstat(absolute, { bigint: true });
      const directory = dirent.isDirectory();
      entries.push({
        path: relative,
        type: directory ? "directory" : "symlink",
        size: 0,
        mtimeNs: stats.mtimeNs.toString(),
        mode: Number(stats.mode),
        sha256: null,
        linkTarget: directory ? null : await readlink(absolute),
        startBlock: null,
        partition: null,
      });
      if (directory) await visit(relative);
    }
  };
  await visit("");
  return entries;
}
