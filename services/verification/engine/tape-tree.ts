import { readdir } from "node:fs/promises";
import path from "node:path";

export type TapeEntryKind = "file" | "directory" | "symlink" | "other";

/**
 * Every path below `root` ("a/b.dat") with its kind, from readdir alone: the types come with
 * the directory entries, so no file is opened or stat-ed. Links are not followed.
 */
export async function listTapeTree(root: string): Promise<Map<string, TapeEntryKind>> {
  const kinds = new Map<string, TapeEntryKind>();
  const visit = async (relativeDir: string): Promise<void> => {
    const dirents = await readdir(path.join(root, relativeDir), { withFileTypes: true });
    for (const dirent of dirents) {
      const relative = relativeDir === "" ? dirent.name : `${relativeDir}/${dirent.name}`;
      const kind: TapeEntryKind = dirent.isFile()
        ? "file"
        : dirent.isDirectory()
          ? "directory"
          : dirent.isSymbolicLink()
            ? "symlink"
            : "other";
      kinds.set(relative, kind);
      if (kind === "directory") await visit(relative);
    }
  };
  await visit("");
  return kinds;
}
