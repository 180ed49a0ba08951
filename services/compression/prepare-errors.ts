/**
 * Codes the compression service fails a prepare step with, besides the engine's
 * (engine/compression-errors.ts). Stable: the CLI and scripts match on them; retired codes are
 * not reused.
 */
export const PREPARE_ERROR_CODES = {
  /** Entries of the folder cannot be read, so an archive of it would be incomplete. */
  folderUnreadable: "FOLDER_UNREADABLE",
  /** The packed archive does not hold what the folder held. */
  archiveIncomplete: "ARCHIVE_INCOMPLETE",
  /** A file pytarchive did not record sits where the folder's archive goes in scratch_path. */
  scratchNameTaken: "SCRATCH_NAME_TAKEN",
  /** The step was interrupted (service stopped or crashed) too many times. */
  stepInterrupted: "STEP_INTERRUPTED",
  /** The work item names a step or job this service does not do. */
  unknownStep: "UNKNOWN_STEP",
  /** The job's arguments are not a prepare job's. */
  invalidJobArguments: "INVALID_JOB_ARGUMENTS",
} as const;
