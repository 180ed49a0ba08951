/**
 * Codes the verification service fails a step with, besides the engine's (engine/errors.ts:
 * VERIFY_FOLDER_MISSING, VERIFY_ABORTED) and the manifest's (MANIFEST_INVALID,
 * MANIFEST_UNREADABLE). Stable: the CLI, the notifier and scripts match on them.
 */
export const VERIFICATION_ERROR_CODES = {
  /** What was read back from the tape differs from what was recorded. */
  mismatch: "VERIFY_MISMATCH",
  /** The manifest under the job's name on the tape describes another folder. */
  wrongFolder: "VERIFY_WRONG_FOLDER",
  /** An archive job's folder is not being archived (the write step did not record it). */
  folderNotArchiving: "FOLDER_NOT_ARCHIVING",
  /** A verify job's folder is not archived on any tape. */
  folderNotArchived: "FOLDER_NOT_ARCHIVED",
  /** A verify job names a tape the catalog does not know. */
  unknownTape: "UNKNOWN_TAPE",
  /** The job's arguments are not those of the step's job kind. */
  invalidJobArguments: "INVALID_JOB_ARGUMENTS",
  /** An import-tape job could not record some folders, or found them differing from the catalog. */
  importProblems: "TAPE_IMPORT_PROBLEMS",
} as const;
