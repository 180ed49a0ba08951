import { PytarchiveError } from "../../shared/errors/index.ts";
import { ARCHIVE_SOURCE_CODES } from "../../shared/messages/index.ts";

/**
 * Codes of the ltfs service's own refusals (LTFS tool failures keep the LTFS_* codes of
 * shared/hardware/ltfs, copy and restore failures the ARCHIVE_* and RESTORE_* codes of engine/).
 */
export const LTFS_SERVICE_ERROR_CODES = {
  /** The tape and the catalog disagree about what the tape holds. */
  catalogMismatch: "TAPE_CATALOG_MISMATCH",
  /** A read-only job found a blank tape. */
  tapeBlank: "TAPE_BLANK",
  /** Not enough free space on the tape for the folder; nothing was written. */
  tapeTooFull: "TAPE_TOO_FULL",
  /** LTFS mounted the tape read-only although writing was asked for (write-protected, full). */
  tapeReadOnly: "TAPE_READ_ONLY",
  /** A step that needs the tape mounted found nothing mounted in the drive. */
  tapeNotMounted: "TAPE_NOT_MOUNTED",
  /** The name on tape holds another folder's copy. */
  nameTaken: "ARCHIVE_NAME_TAKEN",
  /**
   * The packed archive of a compressed folder is gone from scratch_path (the folder must be
   * prepared again), unlike an unreachable original (the engine's ARCHIVE_SOURCE_MISSING).
   */
  packMissing: ARCHIVE_SOURCE_CODES.packMissing,
  /** The folder is not in a state this step can work on. */
  folderNotReady: "FOLDER_NOT_READY",
  /** A folder the original archived, with no checksums yet: nothing to check a restore by. */
  legacyNotAdopted: "LEGACY_NOT_ADOPTED",
  unknownTape: "UNKNOWN_TAPE",
  invalidJobArguments: "INVALID_JOB_ARGUMENTS",
} as const;

export function ltfsServiceError(
  code: (typeof LTFS_SERVICE_ERROR_CODES)[keyof typeof LTFS_SERVICE_ERROR_CODES],
  message: string,
  hint: string,
): PytarchiveError {
  return new PytarchiveError(code, message, { hint });
}
