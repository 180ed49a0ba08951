import { PytarchiveError } from "../../shared/errors/index.ts";

/**
 * Codes the catalog service answers with when it refuses a job (see notes/command-contract.md).
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
} as const;

/** A refusal: nothing was written. */
export function refuse(code: string, message: string, hint: string): PytarchiveError {
  return new PytarchiveError(code, message, { hint });
}
