import type fs from "node:fs";
import {
  chmod,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  unlink,
  utimes,
} from "node:fs/promises";
import path from "node:path";
import {
  createOrderedWriter,
  createReadAhead,
  DEFAULT_CHUNK_BYTES,
  errorFromCarried,
  type FilePool,
  FileWorkerFailedError,
  permissionBits,
  secondsFromNs,
  sharedFilePool,
} from "../../../shared/data-path/index.ts";
import { type UserXattrs, writeUserXattrsIfSupported } from "../../../shared/xattrs/index.ts";
import {
  type ChecksumMismatch,
  errnoOf,
  MISMATCH_SUFFIX,
  type PartialRestore,
  RestoreAbortedError,
  RestoreChecksumMismatchError,
  RestoreReadFailedError,
  RestoreTargetNotEmptyError,
  RestoreWriteFailedError,
} from "./errors.ts";
import { RestorePathOccupiedError } from "./restore-path-occupied.ts";
import {
  checkRestoreEntries,
  checkRestoreTarget,
  claimRestoreTarget,
  normaliseSubfolder,
  orderForRestore,
  type RestoreEntry,
  rebaseOnSubfolder,
  releaseRestoreTarget,
  selectSubtree,
  type TargetState,
} from "./restore-plan.ts";

export interface RestoreProgress {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** The file being read from the tape (relative to the archived folder), or null. */
  readonly path: string | null;
}

export interface RestoreFolderRequest {
  /** The archived folder on the mounted tape, `<mount point>/<name>`. */
  readonly folderOnTape: string;
  /** Absolute path of an empty folder, or of one to create. */
  readonly target: string;
  /**
   * Restore only this folder below the archived one ("data/run 3"): its contents go directly
   * into `target`, as the original pytarchive's `restore -s` did.
   */
  readonly subfolder?: string | null;
  /** What was archived, with checksums, and start blocks where known (catalog or readStartBlocks). */
  readonly entries: readonly RestoreEntry[];
  /**
   * The restore job's id. Given, the target is claimed with the job's ownership marker before
   * anything is written, and a target holding that marker (the job's own work, interrupted) is
   * continued: complete files with the right checksum are kept, the others written again.
   */
  readonly owner?: string | null;
  /** The archived folder's own `user.*` extended attributes (the manifest's), for the target. */
  readonly rootXattrs?: UserXattrs | null;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RestoreProgress) => void;
  readonly chunkBytes?: number;
  /** The worker threads that read, hash and write (default: the process's shared pool). */
  readonly pool?: FilePool;
}

export interface RestoreResult {
  readonly target: string;
  readonly files: number;
  readonly bytes: number;
  readonly directories: number;
  readonly symlinks: number;
  readonly durationMs: number;
  /**
   * Files and folders whose `user.*` extended attributes were not restored because the target's
   * file system keeps none (NFSv3, vfat…): their data is restored, the caller warns. 0 or absent: none.
   */
  readonly xattrsNotRestored?: number;
}

function depth(relative: string): number {
  return relative.split("/").length;
}

/** "a/b/c.txt" → ["a", "a/b"]. */
function ancestorsOf(relative: string): string[] {
  const parts = relative.split("/");
  return parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join("/"));
}

/**
 * Restores an archived folder (or one subfolder) from a mounted tape into an empty or new
 * target. Files are read in tape order (partition, then start block; files without one last,
 * in manifest order), each checksummed while it is read and compared with `entries`. Modes and
 * modification times are restored, folders after their contents. Owners are not: the files
 * belong to the user running the restore.
 *
 * A file whose checksum differs is kept as `<name>.pytarchive-checksum-mismatch`, the other
 * files are still restored, and the call then throws RestoreChecksumMismatchError listing them.
 *
 * @example
 * const manifest = await readManifest("/ltfs0/ada_project.manifest.json");
 * const entries = await readStartBlocks("/ltfs0/ada_project", manifest.entries);
 * await restoreFolderFromTape({ folderOnTape: "/ltfs0/ada_project", target: "/srv/restore/ada", entries });
 */
export async function restoreFolderFromTape(request: RestoreFolderRequest): Promise<RestoreResult> {
  const only = normaliseSubfolder(request.subfolder);
  if (only !== null) {
    checkRestoreEntries(request.entries);
    // The subfolder restored as a folder of its own: its contents land directly in the target.
    const { root, entries } = rebaseOnSubfolder(request.entries, only);
    return restoreFolderFromTape({
      ...request,
      folderOnTape: path.join(request.folderOnTape, only),
      subfolder: null,
      entries,
      rootXattrs: root?.xattrs ?? null,
    });
  }
  const started = performance.now();
  const { folderOnTape, target, signal } = request;
  const subfolder = normaliseSubfolder(request.subfolder);
  checkRestoreEntries(request.entries);
  const selected = selectSubtree(request.entries, subfolder);
  const owner = request.owner ?? null;

  const files = orderForRestore(selected.filter((entry) => (entry.type ?? "file") === "file"));
  const links = selected.filter((entry) => entry.type === "symlink");
  const listedFolders = new Map(
    selected.filter((entry) => entry.type === "directory").map((entry) => [entry.path, entry]),
  );
  const folders = new Set<string>(listedFolders.keys());
  for (const entry of selected)
    for (const ancestor of ancestorsOf(entry.path)) folders.add(ancestor);

  // Checked before the tape is touched; claimed (the marker written) just before writing.
  let targetState: TargetState;
  try {
    targetState = await checkRestoreTarget(target, owner);
  } catch (error) {
    // The job ran to its end before (its marker removed) but could not report it, e.g. NATS was
    // down: a target holding exactly the restored tree is that work, done; nothing is written.
    if (!(owner !== null && error instanceof RestoreTargetNotEmptyError)) throw error;
    const pool = request.pool ?? sharedFilePool();
    const complete = await holdsExactly(
      pool,
      target,
      { files, folders, links },
      request.signal,
    ).catch((checkError: unknown) => {
      if (request.signal?.aborted) throw new RestoreAbortedError(resultSoFar(target, 0, 0));
      throw checkError;
    });
    if (!complete) throw error;
    // The run may have ended between removing its marker and setting the target's own
    // attributes (or failed there): they are set again, which changes nothing when they were.
    const skipped =
      subfolder === null ? await restoreRootAttributes(request, resultSoFar(target, 0, 0)) : 0;
    return {
      target,
      files: files.length,
      bytes: files.reduce((sum, file) => sum + file.size, 0),
      directories: folders.size,
      symlinks: links.length,
      durationMs: performance.now() - started,
      xattrsNotRestored: skipped,
    };
  }
  const resuming = targetState === "owned";

  const bytesTotal = files.reduce((sum, file) => sum + file.size, 0);
  const state = { files: 0, bytes: 0, xattrsNotRestored: 0 };
  const partial = (): PartialRestore => ({
    target,
    filesRestored: state.files,
    filesTotal: files.length,
  });
  const progress = (current: string | null) =>
    request.onProgress?.({
      filesDone: state.files,
      filesTotal: files.length,
      bytesDone: state.bytes,
      bytesTotal,
      path: current,
    });
  const writeFailed = (relative: string) => (error: unknown) =>
    error instanceof RestoreWriteFailedError
      ? error
      : new RestoreWriteFailedError(path.join(target, relative), partial(), error);
  const readFailed = (relative: string) => (error: unknown) =>
    error instanceof RestoreReadFailedError
      ? error
      : new RestoreReadFailedError(path.join(folderOnTape, relative), partial(), error);

  try {
    const tapeRoot = await lstat(folderOnTape).catch((error: unknown) => {
      throw readFailed("")(error);
    });
    if (!tapeRoot.isDirectory()) {
      throw readFailed("")(new Error("it is not a folder on the tape"));
    }
    if (owner !== null) await claimRestoreTarget(target, owner);
    else if (targetState === "missing") {
      await mkdir(target, { recursive: true }).catch((error: unknown) => {
        throw writeFailed("")(error);
      });
    }
    for (const folder of [...folders].sort((a, b) => depth(a) - depth(b))) {
      await makeFolder(path.join(target, folder), resuming).catch((error: unknown) => {
        throw writeFailed(folder)(error);
      });
    }

    const mismatches = await restoreFiles(request, files, resuming, {
      state,
      progress,
      readFailed,
      writeFailed,
    });

    for (const link of links) {
      signal?.throwIfAborted();
      const linkPath = path.join(target, link.path);
      try {
        if (resuming) await rm(linkPath, { force: true });
        await symlink(link.linkTarget as string, linkPath);
        const mtime = secondsFromNs(link.mtimeNs);
        await lutimes(linkPath, mtime, mtime);
      } catch (error) {
        throw writeFailed(link.path)(error);
      }
    }

    // Deepest first, so that setting a folder's time is not undone by work inside it.
    for (const folder of [...folders].sort((a, b) => depth(b) - depth(a))) {
      const listed = listedFolders.get(folder);
      const folderPath = path.join(target, folder);
      try {
        if (listed) {
          if (
            listed.xattrs !== undefined &&
            !(await writeUserXattrsIfSupported(folderPath, listed.xattrs))
          ) {
            state.xattrsNotRestored += 1;
          }
          await chmod(folderPath, permissionBits(listed.mode));
          const mtime = secondsFromNs(listed.mtimeNs);
          await utimes(folderPath, mtime, mtime);
        } else {
          // Not listed (the catalog holds files only): LTFS keeps folder times, modes it does not.
          const onTape = await lstat(path.join(folderOnTape, folder), { bigint: true });
          const mtime = secondsFromNs(onTape.mtimeNs);
          await utimes(folderPath, mtime, mtime);
        }
      } catch (error) {
        throw writeFailed(folder)(error);
      }
    }
    // The target's own attributes are set while the marker still holds it, so that a failure
    // here leaves a target this job continues; the marker goes last. Removing it changes the
    // target's time, so the time is set once more after (a run that ends between the two finds
    // the tree complete and sets the attributes again).
    if (subfolder === null)
      state.xattrsNotRestored += await restoreRootAttributes(request, partial());
    if (owner !== null && mismatches.length === 0) {
      await releaseRestoreTarget(target, owner);
      if (subfolder === null) await restoreRootAttributes(request, partial(), { timeOnly: true });
    }

    if (mismatches.length > 0) throw new RestoreChecksumMismatchError(target, mismatches);
    return {
      target,
      files: state.files,
      bytes: state.bytes,
      directories: folders.size,
      symlinks: links.length,
      durationMs: performance.now() - started,
      xattrsNotRestored: state.xattrsNotRestored,
    };
  } catch (error) {
    if (signal?.aborted) throw new RestoreAbortedError(partial());
    throw error;
  }
}

function resultSoFar(target: string, filesRestored: number, filesTotal: number): PartialRestore {
  return { target, filesRestored, filesTotal };
}

/**
 * Gives the target the archived folder's own `user.*` attributes and its time on the tape; the
 * number of paths whose attributes its file system could not keep (0 or 1).
 */
async function restoreRootAttributes(
  request: RestoreFolderRequest,
  partial: PartialRestore,
  options: { timeOnly?: boolean } = {},
): Promise<number> {
  const { folderOnTape, target } = request;
  const onTape = await lstat(folderOnTape, { bigint: true }).catch((error: unknown) => {
    throw new RestoreReadFailedError(folderOnTape, partial, error);
  });
  const mtime = secondsFromNs(onTape.mtimeNs);
  try {
    const kept =
      options.timeOnly === true || !request.rootXattrs
        ? true
        : await writeUserXattrsIfSupported(target, request.rootXattrs);
    await utimes(target, mtime, mtime);
    return kept ? 0 : 1;
  } catch (error) {
    throw new RestoreWriteFailedError(target, partial, error);
  }
}

interface RestoreHooks {
  readonly state: { files: number; bytes: number; xattrsNotRestored: number };
  readonly progress: (current: string | null) => void;
  readonly readFailed: (relative: string) => (error: unknown) => Error;
  readonly writeFailed: (relative: string) => (error: unknown) => Error;
}

/**
 * Copies the files from the tape in the order given (tape order). Small files are read and
 * hashed by worker threads ahead of their turn, many per message, and written by a worker in
 * batches, in order; large files are streamed by a worker, hashed on the way. A file whose
 * checksum differs is kept beside its name; the list of them is returned.
 */
async function restoreFiles(
  request: RestoreFolderRequest,
  files: readonly RestoreEntry[],
  resuming: boolean,
  hooks: RestoreHooks,
): Promise<ChecksumMismatch[]> {
  const { signal, folderOnTape, target } = request;
  const { state, progress } = hooks;
  const pool = request.pool ?? sharedFilePool();
  const chunkBytes = request.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const reader = createReadAhead(
    pool,
    files.map((file) => ({ path: path.join(folderOnTape, file.path), size: file.size })),
    { keepData: true, readFrom: "tape", signal },
  );
  const writer = createOrderedWriter(pool, { signal });
  const mismatches: ChecksumMismatch[] = [];
  progress(null);
  try {
    for (const [index, file] of files.entries()) {
      signal?.throwIfAborted();
      progress(file.path);
      const expected = file.sha256 as string;
      const destination = path.join(target, file.path);
      const readFailed = hooks.readFailed(file.path);
      const writeFailed = hooks.writeFailed(file.path);
      const read = reader.take(index);
      if (resuming) {
        const kept = await keepIfComplete(pool, destination, file, signal, () => {
          state.xattrsNotRestored += 1;
        }).catch((error: unknown) => {
          if (
            signal?.aborted ||
            error instanceof RestorePathOccupiedError ||
            error instanceof FileWorkerFailedError
          )
            throw error;
          throw writeFailed(error);
        });
        if (kept) {
          await read?.catch(() => {});
          await dropMismatchCopy(destination).catch((error: unknown) => {
            throw writeFailed(error);
          });
          state.bytes += file.size;
          state.files += 1;
          progress(null);
          continue;
        }
      }
      // A rejection is an abort or a failed worker (FileWorkerFailedError), not this file's.
      const whole = read === null ? null : await read;
      if (whole !== null && !whole.ok) {
        if (errnoOf(whole.error) !== "ENOENT") throw readFailed(whole.error);
        mismatches.push({ path: file.path, expected, actual: "missing on the tape", keptAs: null });
        state.files += 1;
        continue;
      }
      const mtime = secondsFromNs(file.mtimeNs);
      const metadata = {
        mode: permissionBits(file.mode),
        modeOptional: false,
        atime: mtime,
        mtime,
      };
      const finish = async (actual: string, bytes: number) => {
        if (file.xattrs !== undefined) {
          const written = await writeUserXattrsIfSupported(destination, file.xattrs).catch(
            (error: unknown) => {
              throw writeFailed(error);
            },
          );
          if (!written) state.xattrsNotRestored += 1;
        }
        if (actual === expected) {
          if (resuming) {
            await dropMismatchCopy(destination).catch((error: unknown) => {
              throw writeFailed(error);
            });
          }
        } else {
          const keptAs = `${destination}${MISMATCH_SUFFIX}`;
          await rename(destination, keptAs).catch((error: unknown) => {
            throw writeFailed(error);
          });
          mismatches.push({ path: file.path, expected, actual, keptAs });
        }
        state.bytes += bytes;
        state.files += 1;
        progress(null);
      };
      if (whole?.ok && whole.sha256 !== null) {
        const actual = whole.sha256;
        await writer.add({
          path: destination,
          data: (whole.data as Buffer).subarray(0, whole.length),
          ...metadata,
          failed: writeFailed,
          onWritten: () => finish(actual, whole.length),
        });
        continue;
      }
      // Large, or larger on the tape than archived: streamed in its turn.
      await writer.flush();
      let streamed = 0;
      const answer = await pool.run(
        {
          kind: "copy-file",
          source: path.join(folderOnTape, file.path),
          destination,
          chunkBytes,
          metadata,
        },
        {
          signal,
          urgent: true,
          onProgress: (bytes) => {
            streamed += bytes;
            state.bytes += bytes;
            progress(file.path);
          },
        },
      );
      if (!answer.ok) {
        const error = errorFromCarried(answer.error);
        if (answer.side === "destination") throw writeFailed(error);
        if (errnoOf(error) !== "ENOENT") throw readFailed(error);
        mismatches.push({ path: file.path, expected, actual: "missing on the tape", keptAs: null });
        state.files += 1;
        continue;
      }
      await finish(answer.sha256, answer.bytes - streamed);
    }
    await writer.flush();
    return mismatches;
  } finally {
    await writer.settle();
    await reader.settle();
  }
}

/**
 * Continuing a restore whose earlier run kept a file that did not match as
 * `<name>.pytarchive-checksum-mismatch`: now that the file is restored right, that copy goes.
 */
async function dropMismatchCopy(destination: string): Promise<void> {
  await rm(`${destination}${MISMATCH_SUFFIX}`, { force: true });
}

/** mkdir; continuing a restore, a folder already there (made by the interrupted run) is fine. */
async function makeFolder(folder: string, resuming: boolean): Promise<void> {
  try {
    await mkdir(folder);
  } catch (error) {
    if (resuming && errnoOf(error) === "EEXIST" && (await lstat(folder)).isDirectory()) return;
    throw error;
  }
}

/**
 * Continuing a restore: keeps a file the interrupted run wrote completely (its size and
 * SHA-256 are the archived ones; its mode and time are applied again), and unlinks another file
 * or a link at its path (a truncated file), so that it is written again. True when kept. A
 * folder there was not made by this job (it makes only the archive's folders): it is left alone
 * and the restore stops, naming it.
 */
async function keepIfComplete(
  pool: FilePool,
  destination: string,
  file: RestoreEntry,
  signal: AbortSignal | undefined,
  onXattrsNotRestored: () => void,
): Promise<boolean> {
  let stats: fs.Stats;
  try {
    stats = await lstat(destination);
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return false;
    throw error;
  }
  if (stats.isDirectory()) throw new RestorePathOccupiedError(destination);
  if (
    stats.isFile() &&
    stats.size === file.size &&
    (await sha256Of(pool, destination, signal)) === file.sha256
  ) {
    if (
      file.xattrs !== undefined &&
      !(await writeUserXattrsIfSupported(destination, file.xattrs))
    ) {
      onXattrsNotRestored();
    }
    await chmod(destination, permissionBits(file.mode));
    const mtime = secondsFromNs(file.mtimeNs);
    await utimes(destination, mtime, mtime);
    return true;
  }
  await unlink(destination);
  return false;
}

/** The SHA-256 of a file, hashed by a worker thread; the job's abort stops it. */
async function sha256Of(
  pool: FilePool,
  file: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  // Urgent: the restore waits for it, while reads ahead of it are queued.
  const answer = await pool.run(
    { kind: "hash-file", path: file, chunkBytes: DEFAULT_CHUNK_BYTES },
    { urgent: true, signal },
  );
  if (!answer.ok) throw errorFromCarried(answer.error);
  return answer.sha256;
}

/**
 * Whether `target` holds exactly the planned tree and nothing else: every file with its size,
 * time and SHA-256, every folder and link (with its target). Reads every file.
 */
async function holdsExactly(
  pool: FilePool,
  target: string,
  tree: {
    readonly files: readonly RestoreEntry[];
    readonly folders: ReadonlySet<string>;
    readonly links: readonly RestoreEntry[];
  },
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const { files, folders, links } = tree;
  const found = new Map<string, fs.Dirent>();
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(target, relative), { withFileTypes: true });
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      found.set(child, entry);
      if (entry.isDirectory()) await walk(child);
    }
  };
  try {
    await walk("");
    if (found.size !== files.length + folders.size + links.length) return false;
    for (const folder of folders) if (!found.get(folder)?.isDirectory()) return false;
    for (const link of links) {
      if (!found.get(link.path)?.isSymbolicLink()) return false;
      if ((await readlink(path.join(target, link.path))) !== link.linkTarget) return false;
    }
    for (const file of files) {
      if (!found.get(file.path)?.isFile()) return false;
      const destination = path.join(target, file.path);
      const stats = await lstat(destination, { bigint: true });
      if (stats.size !== BigInt(file.size)) return false;
      if (stats.mtimeNs / 1000n !== BigInt(file.mtimeNs) / 1000n) return false;
      if ((await sha256Of(pool, destination, signal)) !== file.sha256) return false;
    }
    return true;
  } catch (error) {
    if (signal?.aborted || error instanceof FileWorkerFailedError) throw error;
    return false;
  }
}
