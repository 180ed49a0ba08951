import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { type CommandResult, runCommand } from "../../../shared/exec/index.ts";
import { COMPRESSION_ERROR_CODES as CODES } from "./compression-errors.ts";
import type { FolderMeasurement } from "./measure-folder.ts";
import { buildTarListArguments, checkpointRecordsFor, TAR_RECORD_BYTES } from "./tar-arguments.ts";
import { archiveEntryKind, isTarNoise, parseCheckpointRecords } from "./tar-output.ts";

/** How many members of each kind an archive holds. */
export interface ArchiveListing {
  readonly entryCount: number;
  /** Regular files, hard links included (each is a file name in the folder). */
  readonly fileCount: number;
  /** Folders, the top folder included. */
  readonly directoryCount: number;
  readonly symlinkCount: number;
  readonly otherCount: number;
}

export interface ListArchiveOptions {
  readonly archivePath: string;
  readonly signal?: AbortSignal;
  /** Bytes of tar stream read so far (after decompression). */
  readonly onProgress?: (progress: { readBytes: number }) => void;
  /** Report progress after about this many bytes. Default 64 MiB. */
  readonly progressEveryBytes?: number;
  /** Where tar writes its listing while it runs (removed after). Default: the system temp folder. */
  readonly listingFolder?: string;
  readonly timeoutMs?: number;
  readonly tarCommand?: string;
}

const DEFAULT_PROGRESS_EVERY_BYTES = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 7 * 24 * 3600_000;

/**
 * Reads the whole archive with `tar --list` — which also decompresses it completely, so gzip's
 * CRC and zstd's checksum are checked — and counts its members by kind. The listing goes
 * through a temporary file, never into memory. Throws ARCHIVE_UNREADABLE when tar cannot read
 * it to its end.
 *
 * @example (await listArchive({ archivePath: "/scratch/alpha.tar.zst" })).fileCount // 1_204_331
 */
export async function listArchive(options: ListArchiveOptions): Promise<ArchiveListing> {
  const workFolder = await fs.mkdtemp(
    path.join(options.listingFolder ?? os.tmpdir(), "pytarchive-listing-"),
  );
  const indexFile = path.join(workFolder, "listing.txt");
  const checkpointRecords = checkpointRecordsFor(
    options.progressEveryBytes ?? DEFAULT_PROGRESS_EVERY_BYTES,
  );
  try {
    // An abort or timeout rejects with the exec helper's COMMAND_ABORTED / COMMAND_TIMEOUT.
    const result = await runCommand(
      options.tarCommand ?? "tar",
      buildTarListArguments({ archiveFile: options.archivePath, indexFile, checkpointRecords }),
      {
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        env: { LC_ALL: "C" },
        onStderrLine: (line) => {
          const records = parseCheckpointRecords(line);
          if (records !== null) options.onProgress?.({ readBytes: records * TAR_RECORD_BYTES });
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    if (result.exitCode !== 0) throw unreadableError(options.archivePath, result);
    return await countListing(indexFile);
  } finally {
    await fs.rm(workFolder, { recursive: true, force: true });
  }
}

export interface ArchiveVerification {
  /** True when the archive holds as many files, folders and links as the folder had. */
  readonly matches: boolean;
  readonly listing: ArchiveListing;
  /** One sentence per count that differs. */
  readonly differences: readonly string[];
}

/**
 * Lists the archive (see listArchive) and compares its counts with the folder's measurement.
 * A mismatch is returned, not thrown; an unreadable archive throws ARCHIVE_UNREADABLE.
 * FIFOs, sockets and devices are not compared (tar skips sockets).
 */
export async function verifyArchive(
  options: ListArchiveOptions & {
    readonly expected: Pick<FolderMeasurement, "fileCount" | "directoryCount" | "symlinkCount">;
  },
): Promise<ArchiveVerification> {
  const listing = await listArchive(options);
  const differences: string[] = [];
  const compare = (what: string, archived: number, measured: number) => {
    if (archived !== measured) {
      differences.push(`the archive holds ${archived} ${what}, the folder had ${measured}`);
    }
  };
  compare("files", listing.fileCount, options.expected.fileCount);
  compare("folders", listing.directoryCount, options.expected.directoryCount);
  compare("symbolic links", listing.symlinkCount, options.expected.symlinkCount);
  return { matches: differences.length === 0, listing, differences };
}

async function countListing(indexFile: string): Promise<ArchiveListing> {
  const counts = { entryCount: 0, fileCount: 0, directoryCount: 0, symlinkCount: 0, otherCount: 0 };
  const lines = createInterface({ input: createReadStream(indexFile), crlfDelay: Infinity });
  for await (const line of lines) {
    const kind = archiveEntryKind(line);
    if (kind === null) continue;
    counts.entryCount += 1;
    if (kind === "file") counts.fileCount += 1;
    else if (kind === "directory") counts.directoryCount += 1;
    else if (kind === "symlink") counts.symlinkCount += 1;
    else counts.otherCount += 1;
  }
  return counts;
}

function unreadableError(archivePath: string, result: CommandResult): PytarchiveError {
  const quoted = result.stderr
    .split("\n")
    .filter((line) => line.trim() !== "" && !isTarNoise(line))
    .slice(-12)
    .join("\n  ");
  return new PytarchiveError(
    CODES.archiveUnreadable,
    `${archivePath} cannot be read to its end; it is damaged or not a tar archive:\n  ${quoted}`,
    {
      hint: "If it is a prepared archive in scratch_path, prepare the folder again with replace.",
    },
  );
}
