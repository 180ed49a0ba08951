import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  utimes,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { CommandAbortedError, runCommand } from "../../../shared/exec/index.ts";
import { messageOf } from "../../../shared/format/index.ts";
import type { Compression } from "../../../shared/manifest/index.ts";
import {
  RestoreAbortedError,
  RestoreSubfolderInvalidError,
  RestoreTargetNotEmptyError,
  UnpackFailedError,
} from "./errors.ts";
import {
  type RestoreFolderRequest,
  type RestoreResult,
  restoreFolderFromTape,
} from "./restore-folder-from-tape.ts";
import {
  checkRestoreTarget,
  claimRestoreTarget,
  normaliseSubfolder,
  releaseRestoreTarget,
  restoreOwnerMarker,
} from "./restore-plan.ts";

/** Unpacking a multi-terabyte archive takes hours; only a stuck tar should hit this. */
const DEFAULT_UNPACK_TIMEOUT_MS = 48 * 60 * 60_000;

/** The compression an archive's name shows: .tar.zst/.tzst, .tar.gz/.tgz, or plain .tar (null). */
export function compressionOfArchive(archive: string): Compression | null {
  const name = archive.toLowerCase();
  if (name.endsWith(".tar.zst") || name.endsWith(".tzst")) return "zstd";
  if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) return "gzip";
  return null;
}

/**
 * tar's arguments: members are given after `--`, so that a name starting with "-" is a name.
 * Owners are not restored (`--no-same-owner`), as with an uncompressed folder; user extended
 * attributes are (`--xattrs`, packed with them).
 */
export function tarExtractArguments(request: {
  readonly archive: string;
  readonly target: string;
  readonly compression: Compression | null;
  readonly members?: readonly string[];
  readonly stripComponents?: number;
}): string[] {
  return [
    "-x",
    ...compressionFlags(request.compression),
    "-f",
    request.archive,
    "-C",
    request.target,
    "--no-same-owner",
    "--xattrs",
    "--xattrs-include=user.*",
    ...(request.stripComponents ? [`--strip-components=${request.stripComponents}`] : []),
    ...(request.members && request.members.length > 0 ? ["--", ...request.members] : []),
  ];
}

function compressionFlags(compression: Compression | null): string[] {
  return compression === "zstd" ? ["--zstd"] : compression === "gzip" ? ["-z"] : [];
}

export interface UnpackRequest {
  readonly archive: string;
  /** Absolute path of an empty folder or of one to create. */
  readonly target: string;
  /** Defaults to what the archive's name shows. */
  readonly compression?: Compression | null;
  /** Only these members, exactly as the archive names them (e.g. "alpha/data/run 3"). */
  readonly members?: readonly string[];
  /** Leading path parts dropped from each member (1 drops the archive's top folder). */
  readonly stripComponents?: number;
  /** The restore job that owns `target` (its marker is there): tar then unpacks over its work. */
  readonly owner?: string | null;
  /** The tar command (`[Tools]`); default "tar". */
  readonly tar?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/**
 * Unpacks a tar archive (zstd, gzip or none) into an empty or new folder with
 * `tar -x [--zstd|-z] -f ARCHIVE -C TARGET --no-same-owner [-- MEMBERS]`.
 *
 * @example
 * await unpackArchive({ archive: "/scratch/ada_project.tar.zst", target: "/srv/restore/ada" });
 */
export async function unpackArchive(
  request: UnpackRequest,
): Promise<{ durationMs: number; xattrsNotRestored: number }> {
  const started = performance.now();
  const { archive, target } = request;
  const state = await checkRestoreTarget(target, request.owner ?? null);
  if (state === "missing") await mkdir(target, { recursive: true });
  const args = tarExtractArguments({
    archive,
    target,
    compression:
      request.compression === undefined ? compressionOfArchive(archive) : request.compression,
    members: request.members,
    stripComponents: request.stripComponents,
  });
  let result: Awaited<ReturnType<typeof runCommand>>;
  try {
    result = await runCommand(request.tar ?? "tar", args, {
      signal: request.signal,
      timeoutMs: request.timeoutMs ?? DEFAULT_UNPACK_TIMEOUT_MS,
      // C locale: its warnings are matched below.
      env: { LC_ALL: "C" },
    });
  } catch (error) {
    if (error instanceof CommandAbortedError) {
      throw new RestoreAbortedError({ target, filesRestored: 0, filesTotal: 0 });
    }
    const detail = messageOf(error);
    throw new UnpackFailedError(archive, target, detail, error);
  }
  if (result.exitCode !== 0) {
    const lines = result.stderr.trim().split("\n").filter(Boolean).slice(-5);
    const how =
      result.exitCode === null
        ? `tar was ended by ${result.signal ?? "a signal"}`
        : `tar exited with status ${result.exitCode}`;
    throw new UnpackFailedError(
      archive,
      target,
      lines.length > 0 ? `${how}: ${lines.join("; ")}` : how,
    );
  }
  return {
    durationMs: performance.now() - started,
    xattrsNotRestored: unsupportedXattrWarnings(result.stderr),
  };
}

/**
 * How many "Cannot set … extended attribute … Operation not supported" warnings tar gave: on a
 * target without user attributes it unpacks the data, warns per file and exits 0.
 */
function unsupportedXattrWarnings(stderr: string): number {
  return stderr
    .split("\n")
    .filter((line) => /extended attribute/.test(line) && /not supported/i.test(line)).length;
}

export interface RestorePackedRequest extends Omit<RestoreFolderRequest, "target" | "subfolder"> {
  readonly target: string;
  /** A folder on local disk where the archive is restored (and checked) before unpacking. */
  readonly scratchDir: string;
  readonly compression: Compression | null;
  /**
   * The archive's top folder: the original folder's last path part, as `prepare` packs it
   * (`tar --directory=PARENT -- NAME`, so members read "alpha/data/run 3"). It is stripped, so
   * the folder's contents land directly in `target`.
   */
  readonly archiveTop: string;
  /** Restore only this folder below the original one: its contents go directly into `target`. */
  readonly subfolder?: string | null;
  readonly tar?: string;
}

/**
 * Restores a compressed folder: its one tar archive is copied from the tape into `scratchDir`
 * with its checksum checked while it is read, then unpacked into `target`, then the scratch
 * copy is deleted (also when unpacking fails).
 *
 * @example
 * await restorePackedFolderFromTape({ folderOnTape: "/ltfs0/ada_project", entries,
 *   target: "/srv/restore/ada", scratchDir: "/scratch", compression: "zstd", archiveTop: "project" });
 */
export async function restorePackedFolderFromTape(
  request: RestorePackedRequest,
): Promise<RestoreResult> {
  const archives = request.entries.filter((entry) => (entry.type ?? "file") === "file");
  const archive = archives[0];
  if (archives.length !== 1 || archive === undefined) {
    throw new UnpackFailedError(
      request.folderOnTape,
      request.target,
      `a compressed folder holds exactly one archive, this one lists ${archives.length} files`,
    );
  }
  const subfolder = normaliseSubfolder(request.subfolder);
  const owner = request.owner ?? null;
  const note = owner === null ? null : restoredNotePath(request.scratchDir, owner);
  try {
    await checkRestoreTarget(request.target, owner);
  } catch (error) {
    // This job unpacked everything before (its note says where) but could not report it, or
    // failed setting the target's own mode and times: they are set again from the note.
    const finished =
      note !== null && error instanceof RestoreTargetNotEmptyError
        ? await readRestoredNote(note)
        : null;
    if (finished?.target !== request.target) throw error;
    if (finished.top !== null) await applyTopFolderAttributes(request.target, finished.top);
    return {
      target: request.target,
      files: 1,
      bytes: archive.size,
      directories: 0,
      symlinks: 0,
      durationMs: 0,
    };
  }
  if (owner !== null) await claimRestoreTarget(request.target, owner);
  // A job's scratch folder has its id in the name: an interrupted run's copy of the archive is
  // found again and kept when complete (checked by its checksum) instead of read from tape again.
  const scratch =
    owner === null
      ? await mkdtemp(path.join(request.scratchDir, "pytarchive-restore-"))
      : path.join(request.scratchDir, `pytarchive-restore-${owner}`);
  if (owner !== null) {
    await mkdir(scratch, { recursive: true });
    // The archive's copy there may be complete (its marker then removed): the folder is this
    // job's by its name, so it is marked again to be continued.
    const copyFolder = path.join(scratch, "archive");
    const copied = await lstat(copyFolder).then(
      () => true,
      () => false,
    );
    if (copied)
      await writeFile(path.join(copyFolder, restoreOwnerMarker(owner)), "", { flag: "a" });
  }
  try {
    const copied = await restoreFolderFromTape({
      ...request,
      subfolder: null,
      entries: archives,
      target: path.join(scratch, "archive"),
    });
    const member = subfolder === null ? null : `${request.archiveTop}/${subfolder}`;
    const unpacked = await unpackArchive({
      archive: path.join(scratch, "archive", archive.path),
      target: request.target,
      compression: request.compression,
      members: member === null ? undefined : [member],
      // The top folder, and the subfolder's own parts: its contents land directly in target.
      stripComponents: 1 + (subfolder === null ? 0 : subfolder.split("/").length),
      tar: request.tar,
      signal: request.signal,
      owner,
    });
    if (subfolder !== null && member !== null) {
      await refuseFileSubfolder({
        archive: path.join(scratch, "archive", archive.path),
        member,
        subfolder,
        target: request.target,
        owner,
        compression: request.compression,
        tar: request.tar,
        signal: request.signal,
      });
    }
    // Read while the marker holds the target: a failure here leaves it this job's to continue.
    const top =
      subfolder === null
        ? await readTopFolderAttributes({
            archive: path.join(scratch, "archive", archive.path),
            archiveTop: request.archiveTop,
            target: request.target,
            scratch,
            compression: request.compression,
            tar: request.tar,
            signal: request.signal,
          })
        : null;
    if (owner !== null && note !== null) {
      // The note (with the top folder's attributes) before the marker goes: a run after a crash
      // or a failure from here on finds the work done and sets the attributes again.
      await writeFile(note, JSON.stringify({ target: request.target, top } satisfies RestoredNote));
      await releaseRestoreTarget(request.target, owner);
    }
    // Last: removing the marker changed the target's time.
    if (top !== null) await applyTopFolderAttributes(request.target, top);
    return { ...copied, target: request.target, xattrsNotRestored: unpacked.xattrsNotRestored };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * A file subfolder is stripped of its whole name, so tar skips it and exits 0 with nothing
 * unpacked: a restore would end "done" with an empty target. Only when nothing landed in the
 * target (an empty folder is also a subfolder), tar lists the member itself to tell which.
 */
async function refuseFileSubfolder(request: {
  readonly archive: string;
  readonly member: string;
  readonly subfolder: string;
  readonly target: string;
  readonly owner: string | null;
  readonly compression: Compression | null;
  readonly tar?: string;
  readonly signal?: AbortSignal;
}): Promise<void> {
  const marker = request.owner === null ? null : restoreOwnerMarker(request.owner);
  const unpacked = (await readdir(request.target)).filter((name) => name !== marker);
  if (unpacked.length > 0) return;
  const listed = await runCommand(
    request.tar ?? "tar",
    [
      "-t",
      "-v",
      ...compressionFlags(request.compression),
      "-f",
      request.archive,
      "--no-recursion",
      "--occurrence=1",
      "--",
      request.member,
    ],
    { signal: request.signal, timeoutMs: DEFAULT_UNPACK_TIMEOUT_MS, env: { LC_ALL: "C" } },
  ).catch((error: unknown) => {
    if (error instanceof CommandAbortedError) {
      throw new RestoreAbortedError({ target: request.target, filesRestored: 0, filesTotal: 0 });
    }
    throw new UnpackFailedError(request.archive, request.target, messageOf(error), error);
  });
  // `tar -tv` starts each line with the member's type, as `ls -l` does: "d" for a folder.
  if (listed.exitCode === 0 && listed.stdout.startsWith("d")) return;
  throw new RestoreSubfolderInvalidError(
    request.subfolder,
    "is a file, not a folder; give the folder that holds it",
  );
}

/**
 * A packed restore's note in scratch_path that job `owner` unpacked everything into the target
 * it names (the target itself holds nothing of pytarchive's by then), with the top folder's
 * mode and times still to be set on it. The step after the restore (unmount) removes it once
 * the job ended done; after a failure it stays for the requeued run.
 */
export function restoredNotePath(scratchDir: string, owner: string): string {
  return path.join(scratchDir, `.pytarchive-restored-${owner}`);
}

/** The archive's top folder's mode and times (seconds with a fraction), for the target. */
interface TopFolderAttributes {
  readonly mode: number;
  readonly atime: number;
  readonly mtime: number;
}

/** What a restored note holds (JSON); a note of an earlier version holds the target alone. */
interface RestoredNote {
  readonly target: string;
  readonly top: TopFolderAttributes | null;
}

async function readRestoredNote(note: string): Promise<RestoredNote | null> {
  const text = await readFile(note, "utf8").catch(() => null);
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as Partial<RestoredNote> | null;
    if (typeof parsed?.target === "string")
      return { target: parsed.target, top: parsed.top ?? null };
  } catch {
    // Not JSON: an earlier version's note, the target's path as text.
  }
  return { target: text, top: null };
}

async function applyTopFolderAttributes(target: string, top: TopFolderAttributes): Promise<void> {
  await chmod(target, top.mode);
  await utimes(target, top.atime, top.mtime);
}

/**
 * The mode and times of the archive's top folder. Unpacking strips that folder (its contents
 * land in `target`), and with it what tar knew about the folder itself; its entry alone is
 * extracted again (`--no-recursion`, first occurrence only) to read them.
 */
async function readTopFolderAttributes(options: {
  readonly archive: string;
  readonly archiveTop: string;
  readonly target: string;
  readonly scratch: string;
  readonly compression: Compression | null;
  readonly tar?: string;
  readonly signal?: AbortSignal;
}): Promise<TopFolderAttributes> {
  const holder = await mkdtemp(path.join(options.scratch, "top-"));
  const args = [
    ...tarExtractArguments({
      archive: options.archive,
      target: holder,
      compression: options.compression,
    }),
    "--no-recursion",
    "--occurrence=1",
    "--",
    options.archiveTop,
  ];
  const result = await runCommand(options.tar ?? "tar", args, {
    signal: options.signal,
    timeoutMs: DEFAULT_UNPACK_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) {
    throw new UnpackFailedError(
      options.archive,
      options.target,
      `reading the top folder's mode and times: tar exited with status ${String(result.exitCode)}: ${result.stderr.trim()}`,
    );
  }
  const top = await lstat(path.join(holder, options.archiveTop), { bigint: true });
  // Seconds with a fraction: microseconds survive (a Date would keep only milliseconds).
  return {
    mode: Number(top.mode & 0o7777n),
    atime: Number(top.atimeNs) / 1e9,
    mtime: Number(top.mtimeNs) / 1e9,
  };
}
