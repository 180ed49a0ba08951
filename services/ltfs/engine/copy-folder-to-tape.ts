import fs from "node:fs";
import { chmod, lutimes, mkdir, symlink, utimes } from "node:fs/promises";
import path from "node:path";
import {
  createOrderedWriter,
  createReadAhead,
  DEFAULT_CHUNK_BYTES,
  errorFromCarried,
  type FilePool,
  lstatPath,
  permissionBits,
  type ReadAheadLimits,
  refusedAsUnsupported,
  secondsFromNs,
  sharedFilePool,
} from "../../../shared/data-path/index.ts";
import {
  type Compression,
  MANIFEST_FORMAT,
  type Manifest,
  type ManifestContent,
  type ManifestEntry,
  manifestPathFor,
  toolVersion,
  totalsOf,
  writeManifest,
} from "../../../shared/manifest/index.ts";
import { readUserXattrs, type UserXattrs, writeUserXattrs } from "../../../shared/xattrs/index.ts";
import {
  ArchiveAbortedError,
  ArchiveNameTakenError,
  ArchiveSourceUnreadableError,
  errnoOf,
  type PartialCopy,
  TapeFullError,
  TapeWriteFailedError,
} from "./errors.ts";
import { createExcludeFilter } from "./exclude-filter.ts";
import {
  type FolderScan,
  type ScannedEntry,
  type SkippedEntry,
  scanFolder,
} from "./folder-scan.ts";

export interface CopyProgress {
  readonly phase: "scanning" | "copying" | "finishing";
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** The file being copied (relative), or null between files. */
  readonly path: string | null;
}

export interface CopyFolderRequest {
  /** Absolute path of the folder to archive (or of the scratch folder holding its tar archive). */
  readonly source: string;
  /** `<mount point>/<name>`: must not exist yet. */
  readonly destination: string;
  /** `[General] exclude_folders`: paths relative to `source`, e.g. [".cache", ".local"]. */
  readonly exclude?: readonly string[];
  /** For the manifest: the folder's description as given to `prepare`. */
  readonly description: string;
  /** For the manifest: the original folder; defaults to `source`. */
  readonly originalPath?: string;
  /** For the manifest: set when `source` holds one compressed tar archive of the original. */
  readonly compression?: Compression | null;
  /** For the manifest: what `prepare` measured of the original (a rebuilt catalog shows it). */
  readonly measured?: {
    readonly sizeKiB: number | null;
    readonly fileCount: number | null;
    readonly measuredAt: string | null;
  };
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: CopyProgress) => void;
  readonly chunkBytes?: number;
  readonly prefetch?: Partial<ReadAheadLimits>;
  /** The worker threads that read, hash and write (default: the process's shared pool). */
  readonly pool?: FilePool;
  /** Clock for `archivedAt` (tests). */
  readonly now?: () => Date;
}

export interface CopyResult {
  readonly destination: string;
  readonly manifestPath: string;
  readonly manifest: Manifest;
  /** Everything written, in write order: files, folders and symbolic links. */
  readonly entries: readonly ManifestEntry[];
  /** The regular files among `entries` (what the catalog's files table holds). */
  readonly files: readonly ManifestEntry[];
  readonly bytes: number;
  readonly excluded: readonly string[];
  readonly skipped: readonly SkippedEntry[];
  /**
   * Files whose size or modification time changed while they were read (someone still works in
   * the folder). The tape and the manifest hold the bytes that were read, consistently; the
   * caller decides whether that is good enough.
   */
  readonly changedWhileCopying: readonly string[];
  readonly durationMs: number;
}

/** What was copied of one file: its bytes and checksum, its mode and mtime after the read. */
interface CopiedFile {
  readonly bytes: number;
  readonly sha256: string;
  readonly mode: number;
  readonly mtimeNs: bigint;
}

async function existsWithoutFollowing(target: string): Promise<boolean> {
  try {
    await lstatPath(target);
    return true;
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return false;
    throw error;
  }
}

/**
 * The name is taken when it or its manifest exists, or when a file on the tape stands where one
 * of the name's folders would be (ENOTDIR): the name cannot be used on this tape either way.
 */
async function refuseTakenName(destination: string, manifestPath: string): Promise<void> {
  for (const taken of [destination, manifestPath]) {
    try {
      if (await existsWithoutFollowing(taken)) throw new ArchiveNameTakenError(destination, taken);
    } catch (error) {
      if (errnoOf(error) !== "ENOTDIR") throw error;
      throw new ArchiveNameTakenError(destination, await fileAbove(taken));
    }
  }
}

/** The nearest ancestor of `target` that exists: the file that blocks its path. */
async function fileAbove(target: string): Promise<string> {
  let parent = path.dirname(target);
  while (parent !== path.dirname(parent)) {
    try {
      await lstatPath(parent);
      return parent;
    } catch {
      parent = path.dirname(parent);
    }
  }
  return parent;
}

/**
 * Copies a folder onto a mounted LTFS tape under `destination`, computing each file's SHA-256
 * while it is written (one read of the source), then writes the manifest beside it as
 * `<destination>.manifest.json`. The manifest is written last: a folder on a tape without its
 * manifest is an incomplete copy.
 *
 * The source is only read: never written, renamed, chmod-ed or deleted, and its access times
 * are left alone (O_NOATIME). Symbolic links are copied as links (LTFS stores them), never
 * followed; special files are skipped and listed. Files are written one after the other in
 * manifest order; folders, modes and modification times are set after their contents.
 *
 * @example
 * const result = await copyFolderToTape({ source: "/home/ada/project",
 *   destination: "/ltfs0/home_ada_project", exclude: [".cache"], description: "Ada's thesis" });
 * result.files.length; result.manifestPath // "/ltfs0/home_ada_project.manifest.json"
 */
export async function copyFolderToTape(request: CopyFolderRequest): Promise<CopyResult> {
  const started = performance.now();
  const { source, signal } = request;
  const destination = request.destination.replace(/\/+$/, "");
  const manifestPath = manifestPathFor(destination);
  const exclude = createExcludeFilter(request.exclude ?? []);

  await refuseTakenName(destination, manifestPath);

  request.onProgress?.({
    phase: "scanning",
    filesDone: 0,
    filesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
    path: null,
  });
  let scan: FolderScan;
  try {
    scan = await scanFolder(source, exclude, signal);
  } catch (error) {
    if (!signal?.aborted) throw error;
    throw new ArchiveAbortedError({
      destination,
      filesWritten: 0,
      bytesWritten: 0,
      filesTotal: 0,
      bytesTotal: 0,
    });
  }

  const state = { filesWritten: 0, bytesWritten: 0 };
  const partial = (): PartialCopy => ({
    destination,
    filesWritten: state.filesWritten,
    bytesWritten: state.bytesWritten,
    filesTotal: scan.fileCount,
    bytesTotal: scan.byteCount,
  });
  const tapeError = (relative: string, error: unknown): Error => {
    if (error instanceof TapeFullError || error instanceof TapeWriteFailedError) return error;
    const where = relative === "" ? destination : path.join(destination, relative);
    const code = errnoOf(error);
    return code === "ENOSPC" || code === "EDQUOT"
      ? new TapeFullError(where, partial(), error)
      : new TapeWriteFailedError(where, partial(), error);
  };

  try {
    try {
      fs.mkdirSync(destination, 0o700);
    } catch (error) {
      if (errnoOf(error) === "EEXIST") throw new ArchiveNameTakenError(destination, destination);
      throw tapeError("", error);
    }
    const rootXattrs = await carryXattrs(source, destination, (error) => tapeError("", error));
    const written = await writeEntries(request, scan, destination, state, tapeError);
    request.onProgress?.({
      phase: "finishing",
      filesDone: state.filesWritten,
      filesTotal: scan.fileCount,
      bytesDone: state.bytesWritten,
      bytesTotal: scan.byteCount,
      path: null,
    });
    await setFolderMetadata(scan, written.entries, destination, tapeError);

    const content: ManifestContent = {
      format: MANIFEST_FORMAT,
      folder: {
        name: path.basename(destination),
        description: request.description,
        originalPath: request.originalPath ?? source,
        archivedAt: (request.now?.() ?? new Date()).toISOString(),
        toolVersion: toolVersion(),
        mode: scan.root.mode,
        mtimeNs: scan.root.mtimeNs.toString(),
        compression: request.compression ?? null,
        ...(rootXattrs === null ? {} : { xattrs: rootXattrs }),
        sizeKiB: request.measured?.sizeKiB ?? null,
        fileCount: request.measured?.fileCount ?? null,
        measuredAt: request.measured?.measuredAt ?? null,
      },
      totals: totalsOf(written.entries),
      excluded: scan.excluded,
      skipped: scan.skipped,
      entries: written.entries,
    };
    signal?.throwIfAborted();
    let manifest: Manifest;
    try {
      manifest = await writeManifest(manifestPath, content);
    } catch (error) {
      throw tapeError(`../${path.basename(manifestPath)}`, error);
    }
    return {
      destination,
      manifestPath,
      manifest,
      entries: written.entries,
      files: written.entries.filter((entry) => entry.type === "file"),
      bytes: manifest.totals.bytes,
      excluded: scan.excluded,
      skipped: scan.skipped,
      changedWhileCopying: written.changed,
      durationMs: performance.now() - started,
    };
  } catch (error) {
    if (signal?.aborted && !(error instanceof TapeFullError)) {
      throw new ArchiveAbortedError(partial());
    }
    throw error;
  }
}

type TapeErrorFor = (relative: string, error: unknown) => Error;

/**
 * Writes every entry in manifest order. Small files are read and hashed by worker threads,
 * many per message and ahead of their turn (bounded in bytes), and written by a worker in
 * batches strictly in order; large files are streamed by a worker in their turn, hashed on
 * the way. The event loop only directs: it never waits on a file call or a hash.
 */
async function writeEntries(
  request: CopyFolderRequest,
  scan: FolderScan,
  destination: string,
  state: { filesWritten: number; bytesWritten: number },
  tapeError: TapeErrorFor,
): Promise<{ entries: ManifestEntry[]; changed: string[] }> {
  const { source, signal, onProgress } = request;
  const pool = request.pool ?? sharedFilePool();
  const chunkBytes = request.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const files = scan.entries.filter((entry) => entry.type === "file");
  const reader = createReadAhead(
    pool,
    files.map((file) => ({ path: path.join(source, file.path), size: file.size })),
    // The originals' disk: many reads at once (the tape is only written, in order).
    { keepData: true, readFrom: "disk", limits: request.prefetch, signal },
  );
  const writer = createOrderedWriter(pool, { signal });
  const progress = (current: string | null) =>
    onProgress?.({
      phase: "copying",
      filesDone: state.filesWritten,
      filesTotal: scan.fileCount,
      bytesDone: state.bytesWritten,
      bytesTotal: scan.byteCount,
      path: current,
    });

  // Folders first, all of them: they hold no data on tape, and a file's folder must exist.
  for (const entry of scan.entries) {
    if (entry.type !== "directory") continue;
    await mkdir(path.join(destination, entry.path), 0o700).catch((error: unknown) => {
      throw tapeError(entry.path, error);
    });
  }

  const entries: ManifestEntry[] = [];
  const changed: string[] = [];
  let fileIndex = 0;
  progress(null);
  try {
    for (const entry of scan.entries) {
      signal?.throwIfAborted();
      const target = path.join(destination, entry.path);
      if (entry.type === "directory") {
        const xattrs = await carryXattrs(path.join(source, entry.path), target, (error) =>
          tapeError(entry.path, error),
        );
        entries.push(manifestEntry(entry, entry.size, entry.mode, entry.mtimeNs, null, xattrs));
      } else if (entry.type === "symlink") {
        try {
          await symlink(entry.linkTarget as string, target);
          await unlessUnsupported(() =>
            lutimes(target, secondsFromNs(entry.atimeNs), secondsFromNs(entry.mtimeNs)),
          );
        } catch (error) {
          throw tapeError(entry.path, error);
        }
        entries.push(manifestEntry(entry, 0, entry.mode, entry.mtimeNs, null));
      } else {
        progress(entry.path);
        const absolute = path.join(source, entry.path);
        const read = reader.take(fileIndex++);
        // A rejection is an abort or a failed worker (FileWorkerFailedError), not this file's.
        const whole = read === null ? null : await read;
        if (whole !== null && !whole.ok) {
          throw new ArchiveSourceUnreadableError(absolute, whole.error);
        }
        let copied: CopiedFile;
        let xattrs: UserXattrs | null;
        // A file that grew since the scan (no checksum) is streamed instead, in its turn.
        if (whole?.ok && whole.sha256 !== null) {
          copied = {
            bytes: whole.length,
            sha256: whole.sha256,
            mode: whole.mode,
            mtimeNs: whole.mtimeNs,
          };
          xattrs = await readSourceXattrs(absolute);
          const carried = xattrs;
          await writer.add({
            path: target,
            data: (whole.data as Buffer).subarray(0, whole.length),
            mode: permissionBits(whole.mode),
            modeOptional: true,
            atime: secondsFromNs(entry.atimeNs),
            mtime: secondsFromNs(whole.mtimeNs),
            failed: (error) => tapeError(entry.path, error),
            onWritten: async () => {
              if (carried !== null) await writeXattrs(target, carried, entry.path, tapeError);
              state.filesWritten += 1;
              state.bytesWritten += whole.length;
              progress(null);
            },
          });
        } else {
          await writer.flush();
          copied = await streamFile(pool, absolute, target, entry, {
            chunkBytes,
            signal,
            onBytes: (bytes) => {
              state.bytesWritten += bytes;
              progress(entry.path);
            },
            tapeError: (error) => tapeError(entry.path, error),
          });
          xattrs = await carryXattrs(absolute, target, (error) => tapeError(entry.path, error));
          state.filesWritten += 1;
          progress(null);
        }
        if (copied.bytes !== entry.size || copied.mtimeNs !== entry.mtimeNs) {
          changed.push(entry.path);
        }
        entries.push(
          manifestEntry(entry, copied.bytes, copied.mode, copied.mtimeNs, copied.sha256, xattrs),
        );
      }
    }
    await writer.flush();
    return { entries, changed };
  } finally {
    await writer.settle();
    await reader.settle();
  }
}

/**
 * Modes on the tape are a courtesy: LTFS keeps no Unix modes (it maps chmod to its read-only
 * flag), and restore takes them from the manifest. A file system that refuses them, or a link
 * whose times cannot be set, does not fail the archive; a full or failing tape still does.
 */
async function unlessUnsupported(apply: () => Promise<void>): Promise<void> {
  try {
    await apply();
  } catch (error) {
    if (!refusedAsUnsupported(error)) throw error;
  }
}

function manifestEntry(
  entry: ScannedEntry,
  size: number,
  mode: number,
  mtimeNs: bigint,
  sha256: string | null,
  xattrs: UserXattrs | null = null,
): ManifestEntry {
  return {
    path: entry.path,
    type: entry.type,
    size,
    mtimeNs: mtimeNs.toString(),
    mode,
    uid: entry.uid,
    gid: entry.gid,
    sha256,
    linkTarget: entry.linkTarget,
    ...(xattrs === null ? {} : { xattrs }),
  };
}

/**
 * Copies the `user.*` extended attributes of a source file or folder onto its copy on the tape
 * (LTFS stores them) and returns them for the manifest; null when there are none.
 */
async function carryXattrs(
  source: string,
  target: string,
  tapeError: (error: unknown) => Error,
): Promise<UserXattrs | null> {
  const xattrs = await readSourceXattrs(source);
  if (xattrs === null) return null;
  await writeUserXattrs(target, xattrs).catch((error: unknown) => {
    throw tapeError(error);
  });
  return xattrs;
}

async function readSourceXattrs(source: string): Promise<UserXattrs | null> {
  try {
    return await readUserXattrs(source);
  } catch (error) {
    throw new ArchiveSourceUnreadableError(source, error);
  }
}

async function writeXattrs(
  target: string,
  xattrs: UserXattrs,
  relative: string,
  tapeError: TapeErrorFor,
): Promise<void> {
  await writeUserXattrs(target, xattrs).catch((error: unknown) => {
    throw tapeError(relative, error);
  });
}

/**
 * Streams a large file to the tape in a worker thread, hashed on the way; the copy gets the
 * source's mode and modification time as read after the copy.
 */
async function streamFile(
  pool: FilePool,
  absolute: string,
  target: string,
  entry: ScannedEntry,
  options: {
    chunkBytes: number;
    signal: AbortSignal | undefined;
    onBytes: (bytes: number) => void;
    tapeError: (error: unknown) => Error;
  },
): Promise<CopiedFile> {
  const answer = await pool.run(
    {
      kind: "copy-file",
      source: absolute,
      destination: target,
      chunkBytes: options.chunkBytes,
      metadata: { fromSource: true, atime: secondsFromNs(entry.atimeNs) },
    },
    { signal: options.signal, onProgress: options.onBytes, urgent: true },
  );
  if (!answer.ok) {
    const error = errorFromCarried(answer.error);
    throw answer.side === "source"
      ? new ArchiveSourceUnreadableError(absolute, error)
      : options.tapeError(error);
  }
  return { bytes: answer.bytes, sha256: answer.sha256, mode: answer.mode, mtimeNs: answer.mtimeNs };
}

/** Folders get their modes and times after their contents, deepest first, the root last. */
async function setFolderMetadata(
  scan: FolderScan,
  entries: readonly ManifestEntry[],
  destination: string,
  tapeError: TapeErrorFor,
): Promise<void> {
  const byPath = new Map(scan.entries.map((entry) => [entry.path, entry]));
  const folders = entries.filter((entry) => entry.type === "directory").reverse();
  for (const folder of folders) {
    const scanned = byPath.get(folder.path) as ScannedEntry;
    try {
      const target = path.join(destination, folder.path);
      await unlessUnsupported(() => chmod(target, permissionBits(folder.mode)));
      await utimes(target, secondsFromNs(scanned.atimeNs), secondsFromNs(scanned.mtimeNs));
    } catch (error) {
      throw tapeError(folder.path, error);
    }
  }
  try {
    await unlessUnsupported(() => chmod(destination, permissionBits(scan.root.mode)));
    await utimes(destination, secondsFromNs(scan.root.atimeNs), secondsFromNs(scan.root.mtimeNs));
  } catch (error) {
    throw tapeError("", error);
  }
}
