import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { PytarchiveError } from "../../shared/errors/index.ts";

/** Held while a launcher runs on a state folder; release() on stop. */
export interface StateLock {
  release(): void;
}

/**
 * Takes `<state>/launcher.pid` for this process: a second `npm start` on the same state folder
 * would share the NATS store and the catalog with the first. A file left by a launcher that no
 * longer runs (a crash, SIGKILL) is taken over.
 *
 * @example
 * const lock = lockStateDir("/var/lib/pytarchive/launcher.pid", "/var/lib/pytarchive");
 * // … on stop
 * lock.release();
 */
export function lockStateDir(lockFile: string, stateDir: string): StateLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, "wx", 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        release: () => {
          if (readPid(lockFile) === process.pid) rmSync(lockFile, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readPid(lockFile);
    if (holder !== null && holder !== process.pid && isRunning(holder)) {
      throw new PytarchiveError(
        "LAUNCHER_ALREADY_RUNNING",
        `pytarchive already runs with the state folder ${stateDir} (process ${holder}).`,
        {
          hint: `Use that one (\`npx pytarchive queue\`), or stop it first (kill ${holder}); for a second installation set another state folder (PYTARCHIVE_STATE_DIR).`,
        },
      );
    }
    // Left behind by a launcher that is gone.
    rmSync(lockFile, { force: true });
  }
  throw new PytarchiveError(
    "LAUNCHER_LOCK_FAILED",
    `Could not take ${lockFile}: another launcher keeps creating it.`,
    { hint: "Check which process starts pytarchive on this state folder." },
  );
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Signal 0 checks that a process exists without touching it. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
