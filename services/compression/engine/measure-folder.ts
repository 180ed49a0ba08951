import type { Dir, Stats } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { messageOf } from "../../../shared/format/index.ts";
import { checkFolderOrThrow } from "./check-folder.ts";
import { COMPRESSION_ERROR_CODES as CODES } from "./compression-errors.ts";
import { allocatedKiB } from "./disk-usage.ts";
import { type ExcludedPaths, normalizeExcludes } from "./exclude-folders.ts";

/** What `prepare` records about a folder. Counts include every name of a hard-linked file. */
export interface FolderMeasurement {
  /** Allocated size in KiB exactly as `du -s FOLDER` prints it (excluded paths left out). */
  readonly sizeKiB: number;
  /** Sum of regular files' lengths, each hard-linked file once: what tar will read. */
  readonly apparentBytes: number;
  /**
   * Sum of regular files' lengths, every name of a hard-linked file counted: what a copy onto
   * LTFS writes (LTFS has no hard links, and stores sparse files in full).
   */
  readonly tapeBytes: number;
  /** Regular files. */
  readonly fileCount: number;
  /** Folders, including the measured folder itself (as `tar --list` shows it). */
  readonly directoryCount: number;
  /** Symbolic links; never followed. */
  readonly symlinkCount: number;
  /** FIFOs, sockets and device files. */
  readonly otherCount: number;
  /** Entries that could not be read, at most MAX_REPORTED_UNREADABLE of them. */
  readonly unreadable: readonly UnreadableEntry[];
  /** How many entries could not be read in all. */
  readonly unreadableCount: number;
}

export interface UnreadableEntry {
  readonly path: string;
  /** Why, in words: "permission denied (EACCES)". */
  readonly error: string;
}

export interface MeasureProgress {
  /** Entries counted so far (files, folders, links, others). */
  readonly entriesSeen: number;
  readonly fileCount: number;
  readonly sizeKiB: number;
  /** The folder being read when the progress was taken. */
  readonly currentFolder: string;
}

export interface MeasureFolderOptions {
  /** Absolute path of the folder to measure. */
  readonly folder: string;
  /** `[General] exclude_folders`: paths relative to `folder` that are not counted at all. */
  readonly exclude?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: MeasureProgress) => void;
  /** Report progress after every this many entries. Default 10,000. */
  readonly progressEvery?: number;
}

/** A folder with millions of unreadable entries must not fill memory with their names. */
export const MAX_REPORTED_UNREADABLE = 1000;
const DEFAULT_PROGRESS_EVERY = 10_000;
/** Entries read and lstat'ed together: enough to keep the disk busy, few enough to bound memory. */
const BATCH_SIZE = 256;
/** Directory entries fetched per system call (Node's default is 32). */
const DIR_BUFFER_ENTRIES = 256;

interface OpenFolder {
  readonly absolute: string;
  /** Relative to the measured folder; "" for the folder itself. */
  readonly relative: string;
  /** null once every entry has been read. */
  dir: Dir | null;
  /** Subfolder names from the last batch, still to be entered. */
  readonly pendingSubfolders: string[];
}

/**
 * Measures a folder the way `du -s` does — allocated blocks, each inode once however many hard
 * links it has, folders and links themselves counted, symbolic links never followed — and counts
 * its entries. Excluded paths are left out entirely. The walk streams: memory grows with the
 * depth of the tree and the number of hard-linked files, not with the number of entries.
 * Unreadable entries are listed in the result, as `du` warns and goes on.
 *
 * @example
 * const m = await measureFolder({ folder: "/data/projects/alpha", exclude: [".cache"] });
 * // m.sizeKiB === Number(`du -s` output), m.fileCount === 1_204_331
 */
export async function measureFolder(options: MeasureFolderOptions): Promise<FolderMeasurement> {
  const root = await checkFolderOrThrow(options.folder);
  const excluded = normalizeExcludes(options.exclude ?? []);
  const tally = new Tally();
  const progressEvery = Math.max(1, options.progressEvery ?? DEFAULT_PROGRESS_EVERY);
  let nextProgressAt = progressEvery;
  const count = (entry: Examined, currentFolder: string) => {
    tally.add(entry);
    if (options.onProgress && tally.entriesSeen >= nextProgressAt) {
      nextProgressAt = tally.entriesSeen + progressEvery;
      options.onProgress(tally.progress(currentFolder));
    }
  };

  const rootEntry = await examine(root);
  if ("error" in rootEntry) throw rootEntry.error;
  count(rootEntry, root);
  const open: OpenFolder[] = [];
  const enter = async (absolute: string, relative: string) => {
    try {
      open.push({
        absolute,
        relative,
        dir: await fs.opendir(absolute, { bufferSize: DIR_BUFFER_ENTRIES }),
        pendingSubfolders: [],
      });
    } catch (error) {
      // Like du: the folder's own blocks are already counted; its contents cannot be.
      tally.unreadableEntry(absolute, error);
    }
  };

  try {
    await enter(root, "");
    for (let current = open.at(-1); current; current = open.at(-1)) {
      if (options.signal?.aborted) throw abortedError(root, tally, options.signal);
      const subfolder = current.pendingSubfolders.pop();
      if (subfolder !== undefined) {
        await enter(
          path.join(current.absolute, subfolder),
          joinRelative(current.relative, subfolder),
        );
        continue;
      }
      if (current.dir === null) {
        open.pop();
        continue;
      }
      let names: string[] | null;
      try {
        names = await readNames(current.dir, current.relative, excluded);
      } catch (error) {
        // A folder that fails midway (EIO, a stale NFS handle): keep what was read, go on.
        tally.unreadableEntry(current.absolute, error);
        names = null;
      }
      if (names === null) {
        await current.dir.close().catch(() => {});
        current.dir = null;
        continue;
      }
      const results = await Promise.all(
        names.map((name) => examine(path.join(current.absolute, name))),
      );
      for (const [index, result] of results.entries()) {
        const name = names[index] as string;
        if ("error" in result) {
          tally.unreadableEntry(path.join(current.absolute, name), result.error);
          continue;
        }
        count(result, current.absolute);
        if (result.stats.isDirectory()) current.pendingSubfolders.push(name);
      }
    }
  } finally {
    await Promise.all(open.map((folder) => folder.dir?.close().catch(() => {})));
  }
  options.onProgress?.(tally.progress(root));
  return tally.result();
}

/** The next batch of names in `dir` that are not excluded; null when the folder is exhausted. */
async function readNames(
  dir: Dir,
  relative: string,
  excluded: ExcludedPaths,
): Promise<string[] | null> {
  const names: string[] = [];
  let readAny = false;
  while (names.length < BATCH_SIZE) {
    const entry = await dir.read();
    if (entry === null) break;
    readAny = true;
    if (!excluded.has(joinRelative(relative, entry.name))) names.push(entry.name);
  }
  return readAny ? names : null;
}

function joinRelative(relative: string, name: string): string {
  return relative === "" ? name : `${relative}/${name}`;
}

interface Examined {
  readonly stats: Stats;
  /** `dev:ino` when the entry is a file with more than one hard link, else null. */
  readonly linkedInode: string | null;
}

/**
 * lstat of one entry. Plain (number) stats, as bigint ones cost a third more time per entry;
 * only a hard-linked file whose inode number is too large for a number is stat'ed again with
 * bigint (NFS file ids and 64-bit inode numbers pass 2^53), so that two inodes never merge.
 */
async function examine(entry: string): Promise<Examined | { error: unknown }> {
  try {
    const stats = await fs.lstat(entry);
    if (stats.isDirectory() || stats.nlink < 2) return { stats, linkedInode: null };
    if (Number.isSafeInteger(stats.ino) && Number.isSafeInteger(stats.dev)) {
      return { stats, linkedInode: `${stats.dev}:${stats.ino}` };
    }
    const exact = await fs.lstat(entry, { bigint: true });
    return { stats, linkedInode: `${exact.dev}:${exact.ino}` };
  } catch (error) {
    return { error };
  }
}

function abortedError(root: string, tally: Tally, signal: AbortSignal): PytarchiveError {
  return new PytarchiveError(
    CODES.measureAborted,
    `Measuring ${root} was aborted after ${tally.entriesSeen} entries`,
    {
      hint: "Nothing was changed; prepare the folder again when you are ready.",
      cause: signal.reason,
    },
  );
}

/** Running totals of a walk. */
class Tally {
  entriesSeen = 0;
  // Numbers are exact here: 2^53 blocks of 512 bytes is 4 ZiB.
  #blocks = 0;
  #apparentBytes = 0;
  #tapeBytes = 0;
  #fileCount = 0;
  #directoryCount = 0;
  #symlinkCount = 0;
  #otherCount = 0;
  readonly #unreadable: UnreadableEntry[] = [];
  #unreadableCount = 0;
  /** dev:ino of files with more than one link, so that each is counted once (as du does). */
  readonly #linkedInodes = new Set<string>();

  add({ stats, linkedInode }: Examined): void {
    this.entriesSeen += 1;
    if (stats.isDirectory()) this.#directoryCount += 1;
    else if (stats.isFile()) {
      this.#fileCount += 1;
      this.#tapeBytes += stats.size;
    } else if (stats.isSymbolicLink()) this.#symlinkCount += 1;
    else this.#otherCount += 1;
    if (linkedInode !== null) {
      if (this.#linkedInodes.has(linkedInode)) return;
      this.#linkedInodes.add(linkedInode);
    }
    this.#blocks += stats.blocks;
    if (stats.isFile()) this.#apparentBytes += stats.size;
  }

  unreadableEntry(entryPath: string, error: unknown): void {
    this.#unreadableCount += 1;
    if (this.#unreadable.length < MAX_REPORTED_UNREADABLE) {
      this.#unreadable.push({ path: entryPath, error: describeFileError(error) });
    }
  }

  progress(currentFolder: string): MeasureProgress {
    return {
      entriesSeen: this.entriesSeen,
      fileCount: this.#fileCount,
      sizeKiB: allocatedKiB(BigInt(this.#blocks)),
      currentFolder,
    };
  }

  result(): FolderMeasurement {
    return {
      sizeKiB: allocatedKiB(BigInt(this.#blocks)),
      apparentBytes: this.#apparentBytes,
      tapeBytes: this.#tapeBytes,
      fileCount: this.#fileCount,
      directoryCount: this.#directoryCount,
      symlinkCount: this.#symlinkCount,
      otherCount: this.#otherCount,
      unreadable: this.#unreadable,
      unreadableCount: this.#unreadableCount,
    };
  }
}

const FILE_ERROR_WORDS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "disappeared while being measured",
  ENAMETOOLONG: "path too long to open",
  EIO: "input/output error",
  ESTALE: "stale network file handle",
  ELOOP: "too many levels of symbolic links",
};

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const words = code ? FILE_ERROR_WORDS[code] : undefined;
  if (words && code) return `${words} (${code})`;
  return messageOf(error);
}
