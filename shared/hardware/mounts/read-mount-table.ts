import { readFile } from "node:fs/promises";
import { type MountEntry, parseMountTable } from "./mount-table.ts";

/**
 * The mounts listed in a mount table file (default /proc/mounts; the simulated library points
 * this at a file of its own).
 *
 * @example
 * const entries = await readMountTable();
 * findMount(entries, "/mnt/ltfs0") // null when nothing is mounted there
 */
export async function readMountTable(file = "/proc/mounts"): Promise<MountEntry[]> {
  return parseMountTable(await readFile(file, "utf8"));
}
