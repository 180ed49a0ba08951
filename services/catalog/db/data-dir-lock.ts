import { PytarchiveError } from "../../../shared/errors/index.ts";
import { type PidLockFile, takePidLockFile } from "../../../shared/lock-file/index.ts";
import { CATALOG_ERROR_CODES } from "./errors.ts";

/**
 * PGlite has no locking of its own: two processes on one data folder corrupt it. A lock file
 * `<dataDir>.lock` holds the owner's pid; one left by a process that no longer runs is taken over.
 */
export type DataDirLock = PidLockFile;

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = `${dataDir}.lock`;
  return takePidLockFile(path, {
    // The catalog service opens the folder once; a second open in this process is a mistake too.
    ownPid: "held",
    held: (owner) =>
      new PytarchiveError(
        CATALOG_ERROR_CODES.inUse,
        `The embedded catalog in ${dataDir} is already open in process ${owner}${owner === process.pid ? " (this one)" : ""}.`,
        {
          hint: "Only the catalog service may open it. Stop the other pytarchive process, or configure a PostgreSQL URL ([Database] url) to share one catalog.",
        },
      ),
    contended: () =>
      new PytarchiveError(
        CATALOG_ERROR_CODES.inUse,
        `Could not take the lock ${path} for the embedded catalog: another process keeps creating it.`,
        { hint: "Stop the other pytarchive processes and start again." },
      ),
  });
}
