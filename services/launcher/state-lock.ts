import { PytarchiveError } from "../../shared/errors/index.ts";
import { type PidLockFile, takePidLockFile } from "../../shared/lock-file/index.ts";

/** Held while a launcher runs on a state folder; release() on stop. */
export type StateLock = PidLockFile;

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
  return takePidLockFile(lockFile, {
    // A launcher takes the lock once; its own pid in the file is a reused pid after a restart.
    ownPid: "stale",
    mode: 0o644,
    held: (holder) =>
      new PytarchiveError(
        "LAUNCHER_ALREADY_RUNNING",
        `pytarchive already runs with the state folder ${stateDir} (process ${holder}).`,
        {
          hint: `Use that one (\`npx pytarchive queue\`), or stop it first (kill ${holder}); for a second installation set another state folder (PYTARCHIVE_STATE_DIR).`,
        },
      ),
    contended: () =>
      new PytarchiveError(
        "LAUNCHER_LOCK_FAILED",
        `Could not take ${lockFile}: another launcher keeps creating it.`,
        { hint: "Check which process starts pytarchive on this state folder." },
      ),
  });
}
