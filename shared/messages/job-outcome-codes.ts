/*
 * Error codes that decide what happens to a job or its folder, so the service that raises one
 * and the one that acts on it share the constant instead of two copies of a string.
 */

/** Codes of the job state machine (services/catalog/job-states.ts). */
export const JOB_STATE_ERROR_CODES = {
  conflict: "JOB_STATE_CONFLICT",
  /** A job's result could not become permanent: an abort was asked for first. */
  abortRequested: "JOB_ABORT_REQUESTED",
} as const;

/** Why an archive's source could not be read; only the first sends the folder back to prepare. */
export const ARCHIVE_SOURCE_CODES = {
  /** The packed archive of a compressed folder is gone from scratch_path. */
  packMissing: "ARCHIVE_PACK_MISSING",
  /** The original folder is unreachable or gone (e.g. its NFS server is down). */
  originalMissing: "ARCHIVE_SOURCE_MISSING",
} as const;
