import path from "node:path";
import type { ExcludedPaths } from "./exclude-folders.ts";
import { CHECKPOINT_TAG } from "./tar-output.ts";

export const COMPRESSIONS = ["zstd", "gzip"] as const;
/** How an archive is compressed: zstd (multi-threaded) or gzip. */
export type Compression = (typeof COMPRESSIONS)[number];

export const ARCHIVE_SUFFIXES = {
  zstd: ".tar.zst",
  gzip: ".tar.gz",
} as const satisfies Record<Compression, string>;

/** Added to an archive's name while tar writes it; removed by the rename that completes it. */
export const PARTIAL_SUFFIX = ".partial";

/** tar's record: the default blocking factor 20 × 512-byte blocks. Checkpoints count records. */
export const TAR_RECORD_BYTES = 10_240;

/** `alpha_2024` + zstd → `alpha_2024.tar.zst`. */
export function archiveFileName(name: string, compression: Compression): string {
  return `${name}${ARCHIVE_SUFFIXES[compression]}`;
}

export interface TarCreatePlan {
  /** Absolute, normalised folder to pack; its last path part becomes the archive's top entry. */
  readonly folder: string;
  /** Where tar writes (the `.partial` file). */
  readonly archiveFile: string;
  readonly exclude: ExcludedPaths;
  readonly compression: Compression;
  /** Print a checkpoint line every this many records (TAR_RECORD_BYTES each). */
  readonly checkpointRecords: number;
}

/**
 * The argument array for GNU tar to pack one folder. Why each option:
 * - `--format=posix`: nanosecond mtimes, any name length, any file size, UTF-8 names;
 *   atime and ctime are dropped from its extended headers (tar never restores them).
 * - `--atime-preserve=system`: files are opened with O_NOATIME, so that packing does not even
 *   change the originals' access times (the copy to tape reads them the same way).
 * - `--numeric-owner`: owners as numbers, which is what a restore on another host needs.
 * - `--xattrs --xattrs-include=user.*`: the files' and folders' user extended attributes go
 *   into the archive (restore unpacks them the same way); other namespaces are the system's.
 * - `--sparse`: sparse files keep their holes instead of growing to their full length.
 * - `--zstd` / `--gzip`: tar starts the compressor by its name through `/bin/sh -c`, so the name
 *   is a constant here and the zstd thread count goes in the environment (ZSTD_NBTHREADS),
 *   never into a program string like `-I "zstd -T0"`.
 * - `--anchored --no-wildcards`: an exclude is one exact path below the folder (`alpha/.cache`),
 *   not a pattern that would also hit `alpha/sub/.cache` or names containing `*`.
 * - `--checkpoint…` and `--totals`: progress lines and the stream's length, on stderr.
 * - `--` before the folder's name, so a folder called `-rf` stays a name.
 * Symbolic links are stored as links (tar does not follow them without `--dereference`).
 */
export function buildTarCreateArguments(plan: TarCreatePlan): string[] {
  const parent = path.dirname(plan.folder);
  const top = path.basename(plan.folder);
  return [
    "--create",
    `--file=${plan.archiveFile}`,
    "--format=posix",
    "--pax-option=delete=atime,delete=ctime",
    "--atime-preserve=system",
    "--numeric-owner",
    "--sparse",
    "--xattrs",
    "--xattrs-include=user.*",
    `--${plan.compression}`,
    ...checkpointArguments(plan.checkpointRecords),
    "--totals",
    `--directory=${parent}`,
    "--anchored",
    "--no-wildcards",
    "--no-ignore-case",
    ...[...plan.exclude].sort().map((relative) => `--exclude=${top}/${relative}`),
    "--",
    top,
  ];
}

/**
 * `tar --list --verbose` with the listing written to `indexFile` rather than stdout, so that a
 * listing of millions of entries streams through a file instead of being held in memory.
 * tar recognises gzip and zstd archives by their first bytes.
 */
export function buildTarListArguments(plan: {
  archiveFile: string;
  indexFile: string;
  checkpointRecords: number;
}): string[] {
  return [
    "--list",
    "--verbose",
    `--file=${plan.archiveFile}`,
    `--index-file=${plan.indexFile}`,
    ...checkpointArguments(plan.checkpointRecords),
  ];
}

function checkpointArguments(records: number): string[] {
  return [
    `--checkpoint=${Math.max(1, Math.round(records))}`,
    `--checkpoint-action=echo=${CHECKPOINT_TAG} %u`,
  ];
}

/** How many records make one checkpoint when progress is wanted every `bytes`. */
export function checkpointRecordsFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / TAR_RECORD_BYTES));
}

/** Extra environment for tar's compressor. */
export function compressorEnvironment(
  compression: Compression,
  threads: number,
): Record<string, string> {
  // zstd reads its thread count from the environment (zstd(1), "Environment Variables").
  return compression === "zstd" ? { ZSTD_NBTHREADS: String(threads) } : {};
}
