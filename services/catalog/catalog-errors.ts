import { type ErrorCode, PytarchiveError } from "../../shared/errors/index.ts";

/**
 * Codes the catalog service answers with when it refuses a job; the gateway passes them on to the
 * CLI unchanged, as the command contract says (shared/messages/commands.ts).
 * Stable: the CLI and scripts match on them; retired codes are not reused.
 */
export const CATALOG_REFUSAL_CODES = {
  unknownTape: "UNKNOWN_TAPE",
  cleaningTape: "CLEANING_TAPE",
  folderNotPrepared: "FOLDER_NOT_PREPARED",
  folderAlreadyArchived: "FOLDER_ALREADY_ARCHIVED",
  folderNotArchived: "FOLDER_NOT_ARCHIVED",
  folderNotFound: "FOLDER_NOT_FOUND",
  nameTakenOnTape: "NAME_TAKEN_ON_TAPE",
  tapeTooFull: "TAPE_TOO_FULL",
  unknownJob: "UNKNOWN_JOB",
  /** The folder (or tape) already has an unfinished job of the same kind. */
  jobAlreadyQueued: "JOB_ALREADY_QUEUED",
  invalidArgument: "INVALID_ARGUMENT",
  /** Files are recorded only for a folder being archived. */
  folderNotArchiving: "FOLDER_NOT_ARCHIVING",
  /** `folder-archived` with fewer (or more) files recorded than the job wrote. */
  filesIncomplete: "FILES_INCOMPLETE",
  /** A recorded file has no checksum, so it cannot be restored or verified safely. */
  fileChecksumMissing: "FILE_CHECKSUM_MISSING",
  /** The tape cannot take that state (blank with folders on it, full while blank, retired). */
  tapeStateConflict: "TAPE_STATE_CONFLICT",
  /** The tape is in another library sharing this catalog (`[NATS] library_id`). */
  tapeInOtherLibrary: "TAPE_IN_OTHER_LIBRARY",
  /** The job runs in another library sharing this catalog. */
  jobInOtherLibrary: "JOB_IN_OTHER_LIBRARY",
} as const;

/** A refusal: nothing was written. */
export function refuse(code: ErrorCode, message: string, hint: string): PytarchiveError {
  return new PytarchiveError(code, message, { hint });
}

/**
 * The end of a refusal of a batch of files recorded in several transactions: which of them the
 * catalog kept.
 */
export function whatWasRecorded(recordedBefore: number): string {
  return recordedBefore === 0
    ? "Nothing was recorded."
    : `Only the first ${recordedBefore} files of this batch were recorded.`;
}
