import fs from "node:fs";
import path from "node:path";
import { isProcessAlive } from "../../../shared/lock-file/index.ts";
import { simulatorLayout } from "../layout.ts";

/** What the simulated `ltfs` leaves in `<state>/run/drive<n>.json` while it holds the drive. */
export interface MountRecord {
  readonly pid: number;
  readonly mountPoint: string;
  readonly barcode?: string;
  readonly readOnly?: boolean;
}

const MOUNT_TABLE = "/proc/mounts";

/** The drive's mount record, or null when there is none. An unreadable record counts as held. */
export function readMountRecord(
  stateDir: string,
  driveIndex: number,
): MountRecord | "unreadable" | null {
  const file = simulatorLayout(stateDir).mountRecord(driveIndex);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const record = JSON.parse(text) as Partial<MountRecord>;
    if (typeof record.pid !== "number" || typeof record.mountPoint !== "string") {
      return "unreadable";
    }
    return record as MountRecord;
  } catch {
    return "unreadable";
  }
}

/** Mount points listed in the kernel's mount table (octal escapes such as `\040` decoded). */
export function mountedPoints(mountTable: string = MOUNT_TABLE): Set<string> {
  let text: string;
  try {
    text = fs.readFileSync(mountTable, "utf8");
  } catch {
    return new Set();
  }
  const points = new Set<string>();
  for (const line of text.split("\n")) {
    const field = line.split(" ")[1];
    if (field) {
      points.add(
        field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
          String.fromCharCode(Number.parseInt(octal, 8)),
        ),
      );
    }
  }
  return points;
}

/**
 * Whether LTFS still holds the drive: its mount record names a live process (LTFS keeps
 * running, writing the index, after `umount` returns), or the record's mount point is still
 * mounted. A real drive in that state refuses to release its cartridge (ASC 53h) and refuses
 * other openers of its sg device (EBUSY).
 */
export function isDriveHeldByLtfs(stateDir: string, driveIndex: number): boolean {
  const record = readMountRecord(stateDir, driveIndex);
  if (record === null) return false;
  if (record === "unreadable") return true;
  if (isProcessAlive(record.pid)) return true;
  return mountedPoints().has(path.resolve(record.mountPoint));
}
