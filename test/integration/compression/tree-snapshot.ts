import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";

/** Everything about one entry that a restore must reproduce or that "unchanged" covers. */
export interface EntrySnapshot {
  readonly type: "file" | "directory" | "symlink" | "fifo" | "other";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Bytes, for files only (a folder's size depends on the filesystem). */
  readonly size: bigint | null;
  readonly mtimeNs: bigint;
  readonly sha256: string | null;
  readonly linkTarget: string | null;
  /** For a file with several hard links inside the tree: the first of its names, else null. */
  readonly linkGroup: string | null;
  // Not reproduced by a restore, but an unchanged source keeps them:
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly blocks: bigint;
  readonly nlink: bigint;
}

/** Entry path relative to the snapshot's folder ("" for the folder itself) → its snapshot. */
export type TreeSnapshot = Map<string, EntrySnapshot>;

/** Takes a snapshot of a whole tree: stat of every entry and the SHA-256 of every file. */
export async function snapshotTree(folder: string): Promise<TreeSnapshot> {
  const entries = new Map<string, Omit<EntrySnapshot, "linkGroup"> & { inode: string }>();
  const visit = async (relative: string): Promise<void> => {
    const absolute = path.join(folder, relative);
    const stats = await fs.lstat(absolute, { bigint: true });
    const type = stats.isFile()
      ? "file"
      : stats.isDirectory()
        ? "directory"
        : stats.isSymbolicLink()
          ? "symlink"
          : stats.isFIFO()
            ? "fifo"
            : "other";
    entries.set(relative, {
      type,
      mode: Number(stats.mode),
      uid: Number(stats.uid),
      gid: Number(stats.gid),
      size: type === "file" ? stats.size : null,
      mtimeNs: stats.mtimeNs,
      sha256: type === "file" ? await sha256(absolute) : null,
      linkTarget: type === "symlink" ? await fs.readlink(absolute) : null,
      ctimeNs: stats.ctimeNs,
      ino: stats.ino,
      blocks: stats.blocks,
      nlink: stats.nlink,
      inode: `${stats.dev}:${stats.ino}`,
    });
    if (type === "directory") {
      for (const name of (await fs.readdir(absolute)).sort()) {
        await visit(relative === "" ? name : `${relative}/${name}`);
      }
    }
  };
  await visit("");

  const firstNameOfInode = new Map<string, string>();
  const sharedInodes = new Set<string>();
  for (const [relative, entry] of entries) {
    if (entry.type !== "file") continue;
    if (firstNameOfInode.has(entry.inode)) sharedInodes.add(entry.inode);
    else firstNameOfInode.set(entry.inode, relative);
  }
  const snapshot: TreeSnapshot = new Map();
  for (const [relative, { inode, ...entry }] of entries) {
    const linkGroup = sharedInodes.has(inode) ? (firstNameOfInode.get(inode) ?? null) : null;
    snapshot.set(relative, { ...entry, linkGroup });
  }
  return snapshot;
}

/** What unpacking an archive must give back: no inode numbers, ctimes or block counts. */
export function restorableView(snapshot: TreeSnapshot): Map<string, Partial<EntrySnapshot>> {
  const view = new Map<string, Partial<EntrySnapshot>>();
  for (const [relative, entry] of snapshot) {
    const { ctimeNs: _ctime, ino: _ino, blocks: _blocks, nlink: _nlink, ...restorable } = entry;
    view.set(relative, restorable);
  }
  return view;
}

/** The snapshot without `excluded` paths and everything below them. */
export function withoutPaths(snapshot: TreeSnapshot, excluded: readonly string[]): TreeSnapshot {
  return new Map(
    [...snapshot].filter(
      ([relative]) =>
        !excluded.some((gone) => relative === gone || relative.startsWith(`${gone}/`)),
    ),
  );
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
