import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import type { PytarchiveError } from "../errors/index.ts";
import { isProcessAlive } from "./process-alive.ts";

/** A lock file this process holds; release() removes it. */
export interface PidLockFile {
  readonly path: string;
  release(): void;
}

/** What differs between the places that lock: their errors, and what this process's own pid means. */
export interface PidLockFileOptions {
  /** The error when a running process holds the file. */
  readonly held: (holder: number) => PytarchiveError;
  /** The error when the file comes back each time a stale one is removed. */
  readonly contended: () => PytarchiveError;
  /**
   * A file naming this very process: "held" when this process may already hold it (a second open
   * in the same process is refused), "stale" when it can only be left over from an earlier run
   * whose pid was reused (a container's pid 1 after a restart).
   */
  readonly ownPid: "held" | "stale";
  /** The file's mode, before the umask. */
  readonly mode?: number;
}

/**
 * Creates `path` holding this process's pid, so that one process at a time uses what it guards.
 * A file left by a process that no longer runs (a crash, SIGKILL) is taken over.
 *
 * @example
 * const lock = takePidLockFile("/var/lib/pytarchive/launcher.pid", { held, contended, ownPid: "stale" });
 * // … on stop
 * lock.release();
 */
export function takePidLockFile(path: string, options: PidLockFileOptions): PidLockFile {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", options.mode ?? 0o666);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        path,
        // Only while it is still ours: never remove a lock another process has taken since.
        release: () => {
          if (readHolder(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(path);
    if (holder !== null && isProcessAlive(holder)) {
      if (holder !== process.pid || options.ownPid === "held") throw options.held(holder);
    }
    rmSync(path, { force: true });
  }
  throw options.contended();
}

function readHolder(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
