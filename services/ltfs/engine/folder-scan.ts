import type { BigIntStats } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { mapLimited } from "../../../shared/concurrency/index.ts";
import { lstatPath, readLink } from "../../../shared/data-path/index.ts";
import type { EntryType, SkippedEntry, SkipReason } from "../../../shared/manifest/index.ts";
import { ArchiveSourceMissingError, ArchiveSourceUnreadableError } from "./errors.ts";
import type { ExcludeFilter } from "./exclude-filter.ts";

// The entry kinds belong to the manifest format (shared/manifest); re-exported for the engine.
export {
  ENTRY_TYPES,
  type EntryType,
  SKIP_REASONS,
  type SkippedEntry,
  type SkipReason,
} from "../../../shared/manifest/index.ts";

/** One file, folder or link found below the archived folder. */
export interface ScannedEntry {
  /** Relative to the archived folder, "/"-separated, e.g. "data/run 3/b.dat". */
  readonly path: string;
  readonly type: EntryType;
  /** Bytes for files; 0 for folders and links. */
  readonly size: number;
  readonly mtimeNs: bigint;
  readonly atimeNs: bigint;
  /** st_mode, file type bits included (0o100644), as the catalog records it. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** What a symbolic link points to, unresolved; null for other entries. */
  readonly linkTarget: string | null;
}

/** The archived folder as the pre-scan saw it, in copy order. */
export interface FolderScan {
  readonly root: { readonly mode: number; readonly mtimeNs: bigint; readonly atimeNs: bigint };
  /** Depth first, names in code-point order, a folder before its contents. */
  readonly entries: readonly ScannedEntry[];
  /** Excluded paths that exist (their contents were not looked at). */
  readonly excluded: readonly string[];
  readonly skipped: readonly SkippedEntry[];
  readonly fileCount: number;
  readonly byteCount: number;
}

/** lstat calls in flight at once: enough to overlap the latency of a network file system. */
const STAT_CONCURRENCY = 32;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function typeOf(stats: BigIntStats): EntryType | SkipReason {
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "directory";
  if (stats.isSymbolicLink()) return "symlink";
  if (stats.isFIFO()) return "fifo";
  if (stats.isSocket()) return "socket";
  return "device";
}

/**
 * Lists what will be copied from `source`: never follows symbolic links, never enters an
 * excluded folder, and only reads (lstat, readdir, readlink).
 *
 * @example
 * const scan = await scanFolder("/home/ada/project", createExcludeFilter([".cache"]));
 * scan.fileCount; scan.byteCount; scan.entries[0]?.path
 */
export async function scanFolder(
  source: string,
  exclude: ExcludeFilter,
  signal?: AbortSignal,
): Promise<FolderScan> {
  let rootStats: BigIntStats;
  try {
    rootStats = await lstatPath(source);
  } catch (error) {
    throw new ArchiveSourceMissingError(source, "it does not exist", error);
  }
  if (rootStats.isSymbolicLink()) {
    throw new ArchiveSourceMissingError(source, "it is a symbolic link, not a folder");
  }
  if (!rootStats.isDirectory()) throw new ArchiveSourceMissingError(source, "it is not a folder");

  const entries: ScannedEntry[] = [];
  const excluded: string[] = [];
  const skipped: SkippedEntry[] = [];
  let fileCount = 0;
  let byteCount = 0;

  const visit = async (relativeDir: string): Promise<void> => {
    signal?.throwIfAborted();
    const absoluteDir = path.join(source, relativeDir);
    let rawNames: Buffer[];
    try {
      rawNames = await readdir(absoluteDir, { encoding: "buffer" });
    } catch (error) {
      throw new ArchiveSourceUnreadableError(absoluteDir, error);
    }
    const names: string[] = [];
    for (const raw of rawNames) {
      const join = (name: string) => (relativeDir === "" ? name : `${relativeDir}/${name}`);
      try {
        names.push(utf8.decode(raw));
      } catch {
        skipped.push({ path: join(raw.toString("utf8")), reason: "name-not-utf8" });
      }
    }
    names.sort(byCodePoint);
    const children = names.map((name) => (relativeDir === "" ? name : `${relativeDir}/${name}`));
    const kept = children.filter((child) => {
      if (!exclude.isExcluded(child)) return true;
      excluded.push(child);
      return false;
    });
    const stats = await mapLimited(kept, STAT_CONCURRENCY, async (child) => {
      const absolute = path.join(source, child);
      try {
        const childStats = await lstatPath(absolute);
        const linkTarget = childStats.isSymbolicLink() ? await readLink(absolute) : null;
        return { childStats, linkTarget };
      } catch (error) {
        throw new ArchiveSourceUnreadableError(absolute, error);
      }
    });
    for (const [index, child] of kept.entries()) {
      const { childStats, linkTarget } = stats[index] as (typeof stats)[number];
      const type = typeOf(childStats);
      if (type !== "file" && type !== "directory" && type !== "symlink") {
        skipped.push({ path: child, reason: type });
        continue;
      }
      const size = type === "file" ? Number(childStats.size) : 0;
      entries.push({
        path: child,
        type,
        size,
        mtimeNs: childStats.mtimeNs,
        atimeNs: childStats.atimeNs,
        mode: Number(childStats.mode),
        uid: Number(childStats.uid),
        gid: Number(childStats.gid),
        linkTarget,
      });
      if (type === "file") {
        fileCount += 1;
        byteCount += size;
      }
      if (type === "directory") await visit(child);
    }
  };

  await visit("");
  return {
    root: {
      mode: Number(rootStats.mode),
      mtimeNs: rootStats.mtimeNs,
      atimeNs: rootStats.atimeNs,
    },
    entries,
    excluded,
    skipped,
    fileCount,
    byteCount,
  };
}
