import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import path from "node:path";

/** One entry of a folder tree, as a user would compare two copies of it. */
export interface TreeEntry {
  readonly type: "file" | "folder" | "link";
  readonly size: number;
  /** Modification time in whole microseconds (what Node can set and LTFS keeps). */
  readonly mtimeUs: bigint;
  /** Permission bits. */
  readonly mode: number;
  /** SHA-256 of a file's content, a link's target; "" for folders. */
  readonly content: string;
  /** Inode change time in nanoseconds: changes when anything about the entry changes. */
  readonly ctimeNs: bigint;
}

/** Every entry below `root` by relative path (the root itself is ""). */
export type TreeDigest = Map<string, TreeEntry>;

async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Reads a whole tree: type, size, mtime, mode, content hash and ctime of every entry, without
 * following links. `exclude` names relative paths whose subtrees are left out.
 *
 * @example
 * const before = await digestTree("/srv/projects/demo");
 */
export async function digestTree(
  root: string,
  options: { exclude?: readonly string[] } = {},
): Promise<TreeDigest> {
  const exclude = new Set(options.exclude ?? []);
  const digest: TreeDigest = new Map();
  const visit = async (relative: string): Promise<void> => {
    const full = relative === "" ? root : path.join(root, relative);
    const stat = await lstat(full, { bigint: true });
    const common = {
      size: Number(stat.size),
      mtimeUs: stat.mtimeNs / 1000n,
      mode: Number(stat.mode & 0o7777n),
      ctimeNs: stat.ctimeNs,
    };
    if (stat.isSymbolicLink()) {
      digest.set(relative, { type: "link", ...common, content: await readlink(full) });
    } else if (stat.isDirectory()) {
      digest.set(relative, { type: "folder", ...common, size: 0, content: "" });
      const names = (await readdir(full)).sort();
      for (const name of names) {
        const child = relative === "" ? name : `${relative}/${name}`;
        if (!exclude.has(child)) await visit(child);
      }
    } else {
      digest.set(relative, { type: "file", ...common, content: await hashFile(full) });
    }
  };
  await visit("");
  return digest;
}

/**
 * What differs between two digests, one line per difference (empty: equal). `fields` says what
 * counts: a restored copy is compared on type, content, size and mtime; a source before and
 * after an operation also on mode and ctime (nothing may have touched it).
 */
export function compareTrees(
  expected: TreeDigest,
  actual: TreeDigest,
  fields: readonly (keyof TreeEntry)[] = ["type", "size", "content", "mtimeUs"],
): string[] {
  const differences: string[] = [];
  for (const [relative, want] of expected) {
    const got = actual.get(relative);
    const name = relative === "" ? "(the folder itself)" : relative;
    if (got === undefined) {
      differences.push(`${name}: missing`);
      continue;
    }
    for (const field of fields) {
      // A link's own mtime cannot be set portably; compare its target only.
      if (want.type === "link" && field === "mtimeUs") continue;
      if (want[field] !== got[field]) {
        differences.push(`${name}: ${field} ${String(want[field])} ≠ ${String(got[field])}`);
      }
    }
  }
  for (const relative of actual.keys()) {
    if (!expected.has(relative)) differences.push(`${relative}: not expected`);
  }
  return differences;
}
