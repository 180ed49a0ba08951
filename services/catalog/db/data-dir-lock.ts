import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { CATALOG_ERROR_CODES } from "./errors.ts";

/**
 * PGlite has no locking of its own: two processes on one data folder corrupt it. A lock file
 * `<dataDir>.lock` holds the owner's pid; one left by a process that no longer runs is taken over.
 */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { path, release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(path);
      if (owner !== null && isRunning(owner)) {
        throw new PytarchiveError(
          CATALOG_ERROR_CODES.inUse,
          `The embedded catalog in ${dataDir} is already open in process ${owner}${owner === process.pid ? " (this one)" : ""}.`,
          {
            hint: "Only the catalog service may open it. Stop the other pytarchive process, or configure a PostgreSQL URL ([Database] url) to share one catalog.",
          },
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new PytarchiveError(
    CATALOG_ERROR_CODES.inUse,
    `Could not take the lock ${path} for the embedded catalog: another process keeps creating it.`,
    { hint: "Stop the other pytarchive processes and start again." },
  );
}

function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
