import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** One entry of a folder tree as a test compares it. */
export interface SnapshotEntry {
  readonly path: string;
  readonly type: "file" | "directory" | "symlink" | "other";
  readonly size: number;
  /** st_mode, file type bits included. */
  readonly mode: number;
  readonly mtimeNs: bigint;
  readonly sha256: string | null;
  readonly linkTarget: string | null;
  /** Identity and change time: what any write, chmod, rename or touch would alter. */
  readonly ino: bigint;
  readonly ctimeNs: bigint;
  /** Files only (reading a folder updates its atime). */
  readonly atimeNs: bigint | null;
}

/** Reads without updating access times, so that taking a snapshot changes nothing. */
function sha256Of(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOATIME);
  try {
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const length = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (length === 0) break;
      hash.update(buffer.subarray(0, length));
    }
    return hash.digest("hex");
  } finally {
    fs.closeSync(fd);
  }
}

/** Every entry below `root`, sorted by path; links are not followed. */
export function snapshotTree(root: string): SnapshotEntry[] {
  const entries: SnapshotEntry[] = [];
  const visit = (relativeDir: string) => {
    for (const name of fs.readdirSync(path.join(root, relativeDir))) {
      const relative = relativeDir === "" ? name : `${relativeDir}/${name}`;
      const absolute = path.join(root, relative);
      const stats = fs.lstatSync(absolute, { bigint: true });
      const type = stats.isFile()
        ? "file"
        : stats.isDirectory()
          ? "directory"
          : stats.isSymbolicLink()
            ? "symlink"
            : "other";
      entries.push({
        path: relative,
        type,
        size: type === "file" ? Number(stats.size) : 0,
        mode: Number(stats.mode),
        mtimeNs: stats.mtimeNs,
        sha256: type === "file" ? sha256Of(absolute) : null,
        linkTarget: type === "symlink" ? fs.readlinkSync(absolute) : null,
        ino: stats.ino,
        ctimeNs: stats.ctimeNs,
        atimeNs: type === "file" ? stats.atimeNs : null,
      });
      if (type === "directory") visit(relative);
    }
  };
  visit("");
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * What a restore must bring back: paths, types, content, modes, link targets, and modification
 * times to the microsecond (what Node can set). Symbolic links' own modes are not comparable.
 */
export function restorableView(entries: readonly SnapshotEntry[]) {
  return entries.map((entry) => ({
    path: entry.path,
    type: entry.type,
    size: entry.size,
    mode: entry.type === "symlink" ? null : entry.mode,
    mtimeUs: entry.mtimeNs / 1000n,
    sha256: entry.sha256,
    linkTarget: entry.linkTarget,
  }));
}

/** A file of `size` random bytes. */
export function writeRandomFile(file: string, size: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, "w");
  try {
    const chunk = randomBytes(Math.min(size, 4 * 1024 * 1024));
    let written = 0;
    while (written < size) {
      const length = Math.min(chunk.length, size - written);
      chunk.writeUInt32LE(written / chunk.length, 0);
      fs.writeSync(fd, chunk, 0, length);
      written += length;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Sets a time in the past on every entry, so that a read that updates atime would show. */
export function ageTree(root: string, seconds = 1_000_000_000): void {
  const visit = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const absolute = path.join(dir, name);
      const stats = fs.lstatSync(absolute);
      if (stats.isDirectory()) visit(absolute);
      // Access time older than modification time: relatime would update it on the next read.
      fs.lutimesSync(absolute, seconds, seconds + 12.345678);
    }
  };
  visit(root);
  fs.utimesSync(root, seconds, seconds + 1.5);
}
