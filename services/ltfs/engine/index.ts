export {
  type Compression,
  MANIFEST_FORMAT,
  MANIFEST_SUFFIX,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestEntry,
  type ManifestFolder,
  type ManifestTotals,
  manifestPathFor,
  parseManifest,
  readManifest,
  writeManifest,
} from "../../../shared/manifest/index.ts";
export {
  type CopyFolderRequest,
  type CopyProgress,
  type CopyResult,
  copyFolderToTape,
} from "./copy-folder-to-tape.ts";
export {
  ArchiveAbortedError,
  ArchiveNameTakenError,
  ArchiveSourceMissingError,
  ArchiveSourceUnreadableError,
  type ChecksumMismatch,
  ENGINE_ERROR_CODES,
  type EngineErrorCode,
  InvalidExcludeError,
  ManifestInvalidError,
  ManifestUnreadableError,
  MISMATCH_SUFFIX,
  type PartialCopy,
  type PartialRestore,
  RestoreAbortedError,
  RestoreChecksumMismatchError,
  RestoreEntryInvalidError,
  RestoreReadFailedError,
  RestoreSubfolderInvalidError,
  RestoreSubfolderNotFoundError,
  RestoreTargetInvalidError,
  RestoreTargetNotEmptyError,
  RestoreWriteFailedError,
  TapeFullError,
  TapeWriteFailedError,
  UnpackFailedError,
} from "./errors.ts";
export { createExcludeFilter, type ExcludeFilter } from "./exclude-filter.ts";
export {
  type EntryType,
  type FolderScan,
  type ScannedEntry,
  type SkippedEntry,
  type SkipReason,
  scanFolder,
} from "./folder-scan.ts";
export {
  type RestoreFolderRequest,
  type RestoreProgress,
  type RestoreResult,
  restoreFolderFromTape,
} from "./restore-folder-from-tape.ts";
export {
  checkRestoreTarget,
  normaliseSubfolder,
  orderForRestore,
  type RestoreEntry,
  selectSubtree,
} from "./restore-plan.ts";
export {
  compressionOfArchive,
  type RestorePackedRequest,
  restorePackedFolderFromTape,
  tarExtractArguments,
  type UnpackRequest,
  unpackArchive,
} from "./unpack-archive.ts";
