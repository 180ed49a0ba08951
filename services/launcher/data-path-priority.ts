import os from "node:os";
import { DATA_PATH_SERVICES } from "./process-groups.ts";

/**
 * How much nicer (lower CPU priority) a process running only data-path services is than the
 * launcher. The data path keeps every core busy while a drive streams (reads, SHA-256, writes
 * in worker threads); the control services answer users and hand out work in milliseconds.
 * Under contention the kernel now lets the gateway, the catalog and the scheduler run first
 * (their few ms of work do not slow the stream); with idle cores nothing changes. Measured
 * with the bench: the gateway's `queue` p99 during a 20k-file archive.
 */
export const DATA_PATH_NICENESS_STEP = 5;

/**
 * Lowers this process's CPU priority when it runs only data-path services (see above); returns
 * the nice value it set, or null when it changed nothing. Call before the services start: on
 * Linux a nice value belongs to a thread, and threads started later (the file workers) inherit
 * their starter's. Relative to the current value, so a launcher run under `nice` stays below it.
 */
export function lowerDataPathPriority(services: readonly string[]): number | null {
  if (services.length === 0 || !services.every((name) => DATA_PATH_SERVICES.includes(name))) {
    return null;
  }
  try {
    const niceness = Math.min(19, os.getPriority() + DATA_PATH_NICENESS_STEP);
    os.setPriority(niceness);
    return niceness;
  } catch {
    // Not allowed here (a container without the capability): the data path runs as it was.
    return null;
  }
}
