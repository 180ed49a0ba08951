import { existsSync, readFileSync } from "node:fs";

/**
 * True while a process with this id exists and has not exited. Signal 0 checks without touching
 * it; EPERM means it exists but belongs to someone else. A zombie has exited and holds nothing:
 * only its parent has not collected it yet.
 *
 * @example
 * isProcessAlive(process.pid) // true
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the command name, which is in parentheses and may hold any character.
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    return state === "Z" || state === "X";
  } catch {
    // Gone since signal 0 found it; only without /proc at all is there nothing more to tell.
    return existsSync("/proc/self/stat");
  }
}
