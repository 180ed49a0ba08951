/**
 * Codes the compression engine throws with. Stable: the CLI and scripts match on them; retired
 * codes are not reused.
 */
export const COMPRESSION_ERROR_CODES = {
  /** A folder given as a relative path, or `/`. */
  folderNotAbsolute: "PATH_NOT_ABSOLUTE",
  folderNotFound: "FOLDER_NOT_FOUND",
  folderNotADirectory: "NOT_A_FOLDER",
  /** The folder is a symbolic link; `du` and `tar` would measure and pack the link alone. */
  folderIsSymlink: "FOLDER_IS_SYMLINK",
  /** An `exclude_folders` entry that is absolute, climbs out with `..`, or names the folder itself. */
  excludeFolderInvalid: "EXCLUDE_FOLDER_INVALID",
  measureAborted: "MEASURE_ABORTED",
  archiveNameInvalid: "ARCHIVE_NAME_INVALID",
  compressionUnknown: "COMPRESSION_UNKNOWN",
  scratchPathMissing: "SCRATCH_PATH_MISSING",
  /** scratch_path lies inside the folder: packing would write into the folder it reads. */
  scratchInsideFolder: "SCRATCH_INSIDE_FOLDER",
  scratchFull: "SCRATCH_FULL",
  archiveExists: "ARCHIVE_EXISTS",
  /** `<name>.tar.*.partial` exists: another prepare is packing it, or one was interrupted. */
  partialArchiveExists: "PARTIAL_ARCHIVE_EXISTS",
  /** tar is not GNU tar, or too old for the options packing needs. */
  tarUnsupported: "TAR_UNSUPPORTED",
  compressorNotInstalled: "COMPRESSOR_NOT_INSTALLED",
  /** tar exit status 1 on create: a file changed while it was being read. */
  folderChangedWhilePacking: "FOLDER_CHANGED_WHILE_PACKING",
  packFailed: "PACK_FAILED",
  packAborted: "PACK_ABORTED",
  packTimedOut: "PACK_TIMED_OUT",
  /** `tar --list` could not read the archive to its end. */
  archiveUnreadable: "ARCHIVE_UNREADABLE",
} as const;

export type CompressionErrorCode =
  (typeof COMPRESSION_ERROR_CODES)[keyof typeof COMPRESSION_ERROR_CODES];
