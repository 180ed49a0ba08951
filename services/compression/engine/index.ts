export { checkFolderOrThrow } from "./check-folder.ts";
export { COMPRESSION_ERROR_CODES, type CompressionErrorCode } from "./compression-errors.ts";
export { allocatedKiB, fileUsage } from "./disk-usage.ts";
export { type ExcludedPaths, normalizeExcludes } from "./exclude-folders.ts";
export { removeLeftoverPartials } from "./leftover-partials.ts";
export {
  type ArchiveListing,
  type ArchiveVerification,
  type ListArchiveOptions,
  listArchive,
  verifyArchive,
} from "./list-archive.ts";
export {
  type FolderMeasurement,
  MAX_REPORTED_UNREADABLE,
  type MeasureFolderOptions,
  type MeasureProgress,
  measureFolder,
  type UnreadableEntry,
} from "./measure-folder.ts";
export { LTFS_MAX_UNPACKED_FILE_COUNT, needsPacking } from "./needs-packing.ts";
export {
  type PackedArchive,
  type PackFolderOptions,
  type PackProgress,
  packFolder,
} from "./pack-folder.ts";
export { checkPackingTools, type PackingTools } from "./packing-tools.ts";
export {
  ARCHIVE_SUFFIXES,
  archiveFileName,
  COMPRESSIONS,
  type Compression,
  PARTIAL_SUFFIX,
} from "./tar-arguments.ts";
