import fs from "node:fs/promises";
import path from "node:path";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeBytes, describeCount } from "../../shared/format/index.ts";
import {
  ARCHIVE_SUFFIXES,
  type Compression,
  type FolderMeasurement,
  measureFolder,
  needsPacking,
  PARTIAL_SUFFIX,
  packFolder,
  verifyArchive,
} from "./engine/index.ts";
import { stopLeftoverPackers } from "./leftover-packers.ts";
import type { PackedLedger } from "./packed-ledger.ts";
import { PREPARE_ERROR_CODES as CODES } from "./prepare-errors.ts";
import { scratchArchiveName } from "./scratch-archive-name.ts";

/** How folders are prepared here: from `[General]` and `[Compression]`. */
export interface PrepareSettings {
  /** `[General] scratch_path`. */
  readonly scratchPath: string;
  /** `[General] exclude_folders`. */
  readonly exclude: readonly string[];
  /** `[Compression] program`. */
  readonly compression: Compression;
  /** zstd threads; undefined: one per CPU. */
  readonly threads?: number;
  /** Progress of packing every this many bytes of tar stream. Default 16 MiB. */
  readonly progressEveryBytes?: number;
  /** Where the archives this service writes are recorded (what the scratch clean-up may remove). */
  readonly ledger?: PackedLedger;
}

import type { StepProgress } from "../../shared/steps/index.ts";

export type { StepProgress };

/** What the catalog records about a prepared folder. */
export interface PreparedFolder {
  /** KiB as `du -s` counts them: of the folder, or of the archive when packed. */
  readonly sizeKiB: number;
  /**
   * Bytes it takes on LTFS, which stores sparse files in full: the files' lengths, or the
   * archive's length when packed. The room checks count this, not `sizeKiB`.
   */
  readonly apparentBytes: number;
  /** Regular files in the folder (excluded folders left out). */
  readonly fileCount: number;
  readonly compressed: boolean;
  readonly archivePath: string | null;
  /** One line for the job: "604 files, 12 MiB" or "604 files packed into …". */
  readonly summary: string;
}

const DEFAULT_PROGRESS_EVERY_BYTES = 16 * 1024 * 1024;
const MAX_LISTED_UNREADABLE = 5;

/**
 * Prepares one folder: measures it (size as `du -s`, file count, excluded folders left out),
 * and when it has too many files for LTFS or `compress` is asked, packs it into one archive in
 * scratch_path and checks the archive holds every file, folder and link. Idempotent: a tar an
 * interrupted run left packing this folder is stopped, and the partial or complete archive it
 * left (recorded in the ledger) is replaced; a file there it did not record stays, refused; on failure or abort no archive of the folder is left behind. The folder
 * itself is only read.
 *
 * @example
 * const prepared = await prepareFolder({ folder: "/srv/p/alpha", compress: true,
 *   scratchPath: "/scratch", exclude: [".cache"], compression: "zstd", onProgress: console.log });
 */
export async function prepareFolder(
  options: PrepareSettings & {
    readonly folder: string;
    readonly compress: boolean;
    readonly signal?: AbortSignal;
    readonly onProgress: (progress: StepProgress) => void;
  },
): Promise<PreparedFolder> {
  const { folder, onProgress } = options;
  onProgress({ text: "measuring" });
  const measurement = await measureFolder({
    folder,
    exclude: options.exclude,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (progress) =>
      onProgress({
        text: `measuring: ${describeCount(progress.fileCount)} files, ${describeBytes(progress.sizeKiB * 1024)} so far`,
        counts: { filesDone: progress.fileCount, bytesDone: progress.sizeKiB * 1024 },
      }),
  });
  if (measurement.unreadableCount > 0) throw unreadableError(folder, measurement);
  const measured = `${describeCount(measurement.fileCount)} files, ${describeBytes(measurement.sizeKiB * 1024)}`;
  if (!needsPacking({ fileCount: measurement.fileCount, compress: options.compress })) {
    return {
      sizeKiB: measurement.sizeKiB,
      apparentBytes: measurement.tapeBytes,
      fileCount: measurement.fileCount,
      compressed: false,
      archivePath: null,
      summary: measured,
    };
  }

  const name = scratchArchiveName(folder);
  await stopLeftoverPackers(
    scratchArchivePaths(options.scratchPath, name).map((archive) => `${archive}${PARTIAL_SUFFIX}`),
  );
  const scratch = await fs.realpath(options.scratchPath).catch(() => options.scratchPath);
  await removeOwnScratchArchives(scratch, name, options.ledger);
  const expectedArchive = path.join(scratch, `${name}${ARCHIVE_SUFFIXES[options.compression]}`);
  // Before it is recorded as this service's: a file there now is not pytarchive's.
  await refuseForeignArchive(expectedArchive);
  // Recorded before tar writes a byte: an archive pytarchive made is always known as its own.
  await options.ledger?.record(expectedArchive, folder);
  try {
    const total = measurement.apparentBytes;
    const packed = await packFolder({
      folder,
      scratchPath: options.scratchPath,
      name,
      exclude: options.exclude,
      compression: options.compression,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      // Its own earlier archives are gone by now; anything at the name is someone else's.
      replace: false,
      progressEveryBytes: options.progressEveryBytes ?? DEFAULT_PROGRESS_EVERY_BYTES,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: ({ packedBytes }) => {
        const percent = total > 0 ? Math.min(99, Math.floor((packedBytes / total) * 100)) : null;
        onProgress({
          ...(percent === null ? {} : { percent }),
          counts: { bytesDone: packedBytes, bytesTotal: total },
          text: `packing (${options.compression}): ${describeBytes(packedBytes)} of ${describeBytes(total)}${percent === null ? "" : ` (${percent}%)`}`,
        });
      },
    });
    if (packed.archivePath !== expectedArchive) {
      await options.ledger?.record(packed.archivePath, folder);
      await options.ledger?.forget(expectedArchive);
    }
    onProgress({ percent: 99, text: "checking the archive" });
    const check = await verifyArchive({
      archivePath: packed.archivePath,
      expected: measurement,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!check.matches) {
      throw new PytarchiveError(
        CODES.archiveIncomplete,
        `The archive of ${folder} does not hold what the folder holds (${check.differences.join("; ")}), so it was not kept.`,
        {
          hint: "Something changed the folder while it was packed: stop whatever writes into it, then requeue the job.",
        },
      );
    }
    return {
      sizeKiB: packed.sizeKiB,
      apparentBytes: packed.bytes,
      fileCount: measurement.fileCount,
      compressed: true,
      archivePath: packed.archivePath,
      summary: `${measured}, packed into ${packed.archivePath} (${describeBytes(packed.sizeKiB * 1024)})`,
    };
  } catch (error) {
    // Nothing half-made stays in scratch_path (packFolder removes its partial file itself).
    await removeOwnScratchArchives(scratch, name, options.ledger);
    await options.ledger?.forget(expectedArchive);
    throw error;
  }
}

/**
 * Removes this folder's archives and partial archives from scratch_path that the ledger records
 * as this service's (scratch_path may be a shared folder such as /tmp: a file only named like
 * one is someone else's and stays). Safe while this job runs: the name is the folder's own, and
 * a folder has one prepare job at a time.
 */
async function removeOwnScratchArchives(
  scratch: string,
  name: string,
  ledger: PackedLedger | undefined,
): Promise<void> {
  const recorded = new Set((await ledger?.list())?.map((record) => record.archive) ?? []);
  for (const archive of scratchArchivePaths(scratch, name)) {
    if (!recorded.has(archive)) continue;
    await fs.rm(archive, { force: true });
    await fs.rm(`${archive}${PARTIAL_SUFFIX}`, { force: true });
    await ledger?.forget(archive);
  }
}

/** A file at the archive's name (or its partial name) that pytarchive did not record. */
async function refuseForeignArchive(archive: string): Promise<void> {
  for (const file of [archive, `${archive}${PARTIAL_SUFFIX}`]) {
    if ((await fs.lstat(file).catch(() => null)) === null) continue;
    throw new PytarchiveError(
      CODES.scratchNameTaken,
      `${file} is in scratch_path but pytarchive did not write it (its ledger of packed archives does not list it), so it is left alone and this folder was not packed.`,
      {
        hint: `Move ${file} away if it is not needed (or set [General] scratch_path to a folder of pytarchive's own), then requeue the job.`,
      },
    );
  }
}

/** Where this folder's archive may be, with either compression. */
function scratchArchivePaths(scratchPath: string, name: string): string[] {
  return Object.values(ARCHIVE_SUFFIXES).map((suffix) =>
    path.join(scratchPath, `${name}${suffix}`),
  );
}

function unreadableError(folder: string, measurement: FolderMeasurement): PytarchiveError {
  const listed = measurement.unreadable
    .slice(0, MAX_LISTED_UNREADABLE)
    .map((entry) => `${entry.path} (${entry.error})`);
  const more =
    measurement.unreadableCount > listed.length
      ? `, and ${describeCount(measurement.unreadableCount - listed.length)} more`
      : "";
  return new PytarchiveError(
    CODES.folderUnreadable,
    `${describeCount(measurement.unreadableCount)} entries in ${folder} cannot be read, so they could not be archived: ${listed.join(", ")}${more}.`,
    {
      hint: "Give the user pytarchive runs as read access to them (or leave them out with [General] exclude_folders), then requeue the job.",
    },
  );
}
