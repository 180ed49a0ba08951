/** Stable codes of the export service's own failures (exportfs and fuser bring theirs). */
export const EXPORT_ERROR_CODES = {
  invalidJobArguments: "INVALID_JOB_ARGUMENTS",
  /** exportfs succeeded, but `exportfs -v` does not list the export as asked. */
  exportNotConfirmed: "EXPORT_NOT_CONFIRMED",
  /** exportfs -u succeeded, but `exportfs -v` still lists the mount point. */
  unexportNotConfirmed: "UNEXPORT_NOT_CONFIRMED",
} as const;
