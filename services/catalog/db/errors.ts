/**
 * Error codes the catalog's database layer throws (as `PytarchiveError.code`). Stable: scripts and
 * tests match on them; retired codes are not reused.
 */
export const CATALOG_ERROR_CODES = {
  /** PostgreSQL at the configured URL did not answer or refused the login. */
  unreachable: "CATALOG_UNREACHABLE",
  /** Another process has the embedded (PGlite) catalog open. */
  inUse: "CATALOG_IN_USE",
  /** The embedded catalog's data folder could not be opened. */
  openFailed: "CATALOG_OPEN_FAILED",
  /** A migration failed, or the database was migrated by a newer pytarchive. */
  migrationFailed: "CATALOG_MIGRATION_FAILED",
  jobNotFound: "UNKNOWN_JOB",
  /** The job is not in a state that allows the change (e.g. requeue a job that did not fail). */
  jobStateConflict: "JOB_STATE_CONFLICT",
  /** No free job id was found after several random tries. */
  jobIdExhausted: "JOB_ID_EXHAUSTED",
  folderNotFound: "FOLDER_NOT_FOUND",
  /** The folder cannot move from its current state to the requested one. */
  folderStateTransition: "FOLDER_STATE_TRANSITION",
  /** The folder is already prepared, being archived or archived. */
  folderAlreadyKnown: "FOLDER_ALREADY_KNOWN",
  /** The tape already holds an archived folder with that name. */
  folderNameTakenOnTape: "NAME_TAKEN_ON_TAPE",
  tapeNotFound: "UNKNOWN_TAPE",
} as const;

export type CatalogErrorCode = (typeof CATALOG_ERROR_CODES)[keyof typeof CATALOG_ERROR_CODES];
