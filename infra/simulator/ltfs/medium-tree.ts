import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export type TreeEntryKind = "file" | "directory" | "symlink" | "other";

/** One file, directory or link on a mounted medium. */
export interface TreeEntry {
  /** Path below the medium root, with "/" separators. */
  readonly relative: string;
  readonly absolute: string;
  readonly kind: TreeEntryKind;
  readonly size: bigint;
  /** Creation time (ext4 crtime), which orders the files the way they were written. */
  readonly birthNs: bigint;
  readonly inode: bigint;
  readonly mtimeNs: bigint;
  readonly mode: number;
}

function kindOf(stats: fs.BigIntStats): TreeEntryKind {
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "directory";
  if (stats.isSymbolicLink()) return "symlink";
  return "other";
}

/** Every entry below `root` (the root itself not included), without following links. */
export function walkMediumTree(root: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const pending = [""];
  while (pending.length > 0) {
    const relativeDir = pending.pop() as string;
    const names = fs.readdirSync(path.join(root, relativeDir)).sort();
    for (const name of names) {
      const relative = relativeDir === "" ? name : `${relativeDir}/${name}`;
      const absolute = path.join(root, relative);
      const stats = fs.lstatSync(absolute, { bigint: true });
      const kind = kindOf(stats);
      entries.push({
        relative,
        absolute,
        kind,
        size: stats.size,
        birthNs: stats.birthtimeNs,
        inode: stats.ino,
        mtimeNs: stats.mtimeNs,
        mode: Number(stats.mode),
      });
      if (kind === "directory") pending.push(relative);
    }
  }
  return entries;
}

/** Oldest first: the order in which LTFS wrote the files to tape. */
export function inWriteOrder<T extends Pick<TreeEntry, "birthNs" | "inode">>(entries: T[]): T[] {
  return [...entries].sort((a, b) => {
    if (a.birthNs !== b.birthNs) return a.birthNs < b.birthNs ? -1 : 1;
    if (a.inode !== b.inode) return a.inode < b.inode ? -1 : 1;
    return 0;
  });
}

/** A digest of names, kinds, sizes, modes and modification times: what an index records. */
export function treeDigest(entries: readonly TreeEntry[]): string {
  const hash = createHash("sha256");
  const lines = entries
    .map(
      (entry) => `${entry.relative}\0${entry.kind}\0${entry.size}\0${entry.mode}\0${entry.mtimeNs}`,
    )
    .sort();
  for (const line of lines) hash.update(`${line}\n`);
  return hash.digest("hex");
}
