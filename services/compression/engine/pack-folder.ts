import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import {
  CommandAbortedError,
  type CommandResult,
  CommandTimeoutError,
  formatCommandLine,
  runCommand,
} from "../../../shared/exec/index.ts";
import { checkFolderOrThrow } from "./check-folder.ts";
import { COMPRESSION_ERROR_CODES as CODES } from "./compression-errors.ts";
import { fileUsage } from "./disk-usage.ts";
import { normalizeExcludes } from "./exclude-folders.ts";
import { checkPackingTools } from "./packing-tools.ts";
import {
  archiveFileName,
  buildTarCreateArguments,
  COMPRESSIONS,
  type Compression,
  checkpointRecordsFor,
  compressorEnvironment,
  PARTIAL_SUFFIX,
  TAR_RECORD_BYTES,
} from "./tar-arguments.ts";
import { isTarNoise, parseCheckpointRecords, parseTotalBytesLine } from "./tar-output.ts";

export interface PackFolderOptions {
  /** Absolute path of the folder to pack; it is only read. */
  readonly folder: string;
  /** `[General] scratch_path`: an existing folder outside `folder`. */
  readonly scratchPath: string;
  /** The archive's name without suffix, e.g. `alpha_2024` → `alpha_2024.tar.zst`. */
  readonly name: string;
  /** `[General] exclude_folders`, relative to `folder`. */
  readonly exclude?: readonly string[];
  readonly compression: Compression;
  /** zstd worker threads; default: every CPU (`os.availableParallelism()`). gzip uses one. */
  readonly threads?: number;
  /** Replace an existing archive of the same name (only once the new one is complete). */
  readonly replace?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: PackProgress) => void;
  /** Report progress after about this many bytes of tar stream. Default 64 MiB. */
  readonly progressEveryBytes?: number;
  /** Give up after this long. Default 7 days: packing many TB takes long, aborting is the norm. */
  readonly timeoutMs?: number;
  /** The tar to run; default `tar` from PATH. */
  readonly tarCommand?: string;
}

export interface PackProgress {
  /** Bytes of tar stream written so far, before compression (compare with apparentBytes). */
  readonly packedBytes: number;
}

export interface PackedArchive {
  readonly archivePath: string;
  readonly compression: Compression;
  /** The archive's allocated size in KiB, as `du -s ARCHIVE` prints it. */
  readonly sizeKiB: number;
  /** The archive's length in bytes. */
  readonly bytes: number;
  /** Length of the uncompressed tar stream (tar's `--totals`); what unpacking will write, roughly. */
  readonly tarBytes: number;
}

const DEFAULT_PROGRESS_EVERY_BYTES = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 7 * 24 * 3600_000;

/**
 * Packs a folder into one compressed tar archive in scratch_path, for folders with too many
 * files for LTFS. tar writes `<name>.tar.zst.partial`; only a complete, flushed archive is renamed
 * to `<name>.tar.zst`, so a crash never leaves a half archive under the final name. On failure
 * or abort the partial file is removed. The folder is only read.
 *
 * @example
 * const archive = await packFolder({ folder: "/data/alpha", scratchPath: "/scratch",
 *   name: "data_alpha", exclude: [".cache"], compression: "zstd" });
 * // archive.archivePath === "/scratch/data_alpha.tar.zst"
 */
export async function packFolder(options: PackFolderOptions): Promise<PackedArchive> {
  const folder = await checkFolderOrThrow(options.folder);
  const exclude = normalizeExcludes(options.exclude ?? []);
  checkArchiveNameOrThrow(options.name);
  const compression = checkCompressionOrThrow(options.compression);
  const scratch = await checkScratchOrThrow(options.scratchPath, folder);
  const archivePath = path.join(scratch, archiveFileName(options.name, compression));
  const partialPath = `${archivePath}${PARTIAL_SUFFIX}`;
  if (!options.replace) await refuseExistingArchive(archivePath);
  try {
    await checkPackingTools({
      compression,
      ...(options.tarCommand ? { tarCommand: options.tarCommand } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw packRunError(error, folder);
  }
  await claimPartialOrThrow(partialPath, archivePath);

  const checkpointRecords = checkpointRecordsFor(
    options.progressEveryBytes ?? DEFAULT_PROGRESS_EVERY_BYTES,
  );
  let tarBytes = 0;
  let result: CommandResult;
  try {
    result = await runCommand(
      options.tarCommand ?? "tar",
      buildTarCreateArguments({
        folder,
        archiveFile: partialPath,
        exclude,
        compression,
        checkpointRecords,
      }),
      {
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        // LC_ALL=C: tar's messages are matched below (ENOSPC) and quoted in English.
        env: {
          LC_ALL: "C",
          ...compressorEnvironment(compression, options.threads ?? os.availableParallelism()),
        },
        onStderrLine: (line) => {
          const records = parseCheckpointRecords(line);
          if (records !== null) options.onProgress?.({ packedBytes: records * TAR_RECORD_BYTES });
          tarBytes = parseTotalBytesLine(line) ?? tarBytes;
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (error) {
    // runCommand settles only after tar's output pipes closed, and tar's compressor inherits
    // them: by now no process still writes the partial file, so removing it is final.
    await fs.rm(partialPath, { force: true });
    throw packRunError(error, folder);
  }
  if (result.exitCode !== 0) {
    await fs.rm(partialPath, { force: true });
    throw packExitError(result, folder, scratch);
  }

  try {
    await flushToDisk(partialPath);
    if (!options.replace) await refuseExistingArchive(archivePath);
    await fs.rename(partialPath, archivePath);
    await flushToDisk(scratch);
  } catch (error) {
    await fs.rm(partialPath, { force: true });
    throw error;
  }
  const usage = await fileUsage(archivePath);
  options.onProgress?.({ packedBytes: tarBytes });
  return { archivePath, compression, ...usage, tarBytes };
}

/** An archive name becomes one file name in scratch_path: no folders, nothing hidden. */
function checkArchiveNameOrThrow(name: string): void {
  if (
    name.trim() === "" ||
    name.includes("/") ||
    name.includes("\0") ||
    name.startsWith(".") ||
    name.endsWith(PARTIAL_SUFFIX)
  ) {
    throw new PytarchiveError(
      CODES.archiveNameInvalid,
      `"${name}" cannot be an archive name: it must be one file name, without "/", not starting with "."`,
      { hint: 'Use the folder\'s tape name, e.g. "projects_2024_alpha".' },
    );
  }
}

function checkCompressionOrThrow(compression: string): Compression {
  if ((COMPRESSIONS as readonly string[]).includes(compression)) return compression as Compression;
  throw new PytarchiveError(
    CODES.compressionUnknown,
    `"${compression}" is not a compression pytarchive can use`,
    { hint: `Choose one of: ${COMPRESSIONS.join(", ")}.` },
  );
}

async function checkScratchOrThrow(scratchPath: string, folder: string): Promise<string> {
  let scratch: string;
  try {
    scratch = await fs.realpath(scratchPath);
    if (!(await fs.stat(scratch)).isDirectory()) throw new Error("not a folder");
  } catch (error) {
    throw new PytarchiveError(
      CODES.scratchPathMissing,
      `scratch_path ${scratchPath} is not an existing folder`,
      { hint: "Create it, or set [General] scratch_path in pytarchive.conf.", cause: error },
    );
  }
  const realFolder = await fs.realpath(folder);
  if (scratch === realFolder || scratch.startsWith(`${realFolder}/`)) {
    throw new PytarchiveError(
      CODES.scratchInsideFolder,
      `scratch_path ${scratchPath} is inside ${folder}: packing would write into the folder it reads`,
      { hint: "Set [General] scratch_path to a folder outside the folders you archive." },
    );
  }
  return scratch;
}

async function refuseExistingArchive(archivePath: string): Promise<void> {
  const existing = await fs.lstat(archivePath).catch(() => null);
  if (existing) {
    throw new PytarchiveError(CODES.archiveExists, `${archivePath} already exists`, {
      hint: "The folder may already be prepared. Delete the archive, or prepare again with replace, to pack it anew.",
    });
  }
}

/** Creates the partial file exclusively, so two prepares of one name cannot both write it. */
async function claimPartialOrThrow(partialPath: string, archivePath: string): Promise<void> {
  try {
    await (await fs.open(partialPath, "wx", 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new PytarchiveError(
      CODES.partialArchiveExists,
      `${partialPath} exists: another prepare is packing ${path.basename(archivePath)}, or one was interrupted`,
      {
        hint: "Check `pytarchive queue`. If no prepare of this folder is running, delete the .partial file and prepare again.",
      },
    );
  }
}

/** fsync, so that a power cut after the rename cannot leave a complete-looking, empty archive. */
async function flushToDisk(file: string): Promise<void> {
  const handle = await fs.open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function packRunError(error: unknown, folder: string): unknown {
  if (error instanceof CommandAbortedError) {
    return new PytarchiveError(
      CODES.packAborted,
      `Packing ${folder} was aborted; no archive was kept`,
      { hint: "The folder was not changed. Prepare it again to pack it.", cause: error },
    );
  }
  if (error instanceof CommandTimeoutError) {
    return new PytarchiveError(
      CODES.packTimedOut,
      `Packing ${folder} did not finish in time and was stopped; no archive was kept`,
      { hint: "Check that the folder's storage responds, then prepare it again.", cause: error },
    );
  }
  return error;
}

function packExitError(result: CommandResult, folder: string, scratch: string): PytarchiveError {
  const lines = result.stderr.split("\n").filter((line) => line.trim() !== "" && !isTarNoise(line));
  const quoted = lines.slice(-12).join("\n  ");
  if (/No space left on device/i.test(result.stderr)) {
    return new PytarchiveError(
      CODES.scratchFull,
      `scratch_path ${scratch} ran out of space while packing ${folder}; the partial archive was removed`,
      {
        hint: "Free space there, or set [General] scratch_path to a larger disk, then prepare again.",
      },
    );
  }
  if (result.exitCode === 1) {
    return new PytarchiveError(
      CODES.folderChangedWhilePacking,
      `Files in ${folder} changed while they were being packed, so the archive was not kept:\n  ${quoted}`,
      { hint: "Stop whatever still writes into the folder, then prepare it again." },
    );
  }
  return new PytarchiveError(
    CODES.packFailed,
    `tar could not pack ${folder} (${formatCommandLine(result.command, ["--create", "…"])} exited with status ${result.exitCode ?? result.signal}); the partial archive was removed:\n  ${quoted}`,
    {
      hint: "Fix what tar reports (often files the service user cannot read), then prepare again.",
    },
  );
}
