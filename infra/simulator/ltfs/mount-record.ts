import fs from "node:fs";
import { isProcessAlive } from "../../../shared/lock-file/index.ts";
import { simulatorLayout } from "../layout.ts";

/**
 * `<state>/run/drive<n>.json`: written by the simulated ltfs daemon while it holds drive n,
 * removed when it exits (after its index is written). The changer reads it to refuse unloading
 * a tape that LTFS still holds. A daemon killed with SIGKILL leaves it behind with a dead pid.
 */
export interface MountRecord {
  /** The ltfs daemon's pid. */
  readonly pid: number;
  readonly mountPoint: string;
  readonly barcode: string;
  readonly readOnly: boolean;
}

export function readMountRecordFile(stateDir: string, driveIndex: number): MountRecord | null {
  const file = simulatorLayout(stateDir).mountRecord(driveIndex);
  try {
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<MountRecord>;
    return typeof record.pid === "number" ? (record as MountRecord) : null;
  } catch {
    return null;
  }
}

/** The record of a daemon that is still running, or null. */
export function liveMountRecord(stateDir: string, driveIndex: number): MountRecord | null {
  const record = readMountRecordFile(stateDir, driveIndex);
  return record !== null && isProcessAlive(record.pid) ? record : null;
}

/**
 * Writes the record for this process. Fails (returns the holder) when another live daemon
 * already holds the drive; a record left by a dead daemon is replaced.
 */
export function claimMountRecord(
  stateDir: string,
  driveIndex: number,
  record: MountRecord,
): MountRecord | null {
  const layout = simulatorLayout(stateDir);
  fs.mkdirSync(layout.runDir, { recursive: true });
  const file = layout.mountRecord(driveIndex);
  const text = `${JSON.stringify(record, null, 2)}\n`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      fs.writeFileSync(file, text, { flag: "wx" });
      return null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readMountRecordFile(stateDir, driveIndex);
    if (holder !== null && holder.pid !== record.pid && isProcessAlive(holder.pid)) return holder;
    fs.rmSync(file, { force: true });
  }
  throw new Error(`could not claim ${file}: it keeps reappearing`);
}

/** Removes the record, but only if it is this process's own. */
export function releaseMountRecord(stateDir: string, driveIndex: number, pid: number): void {
  const record = readMountRecordFile(stateDir, driveIndex);
  if (record === null || record.pid === pid) {
    fs.rmSync(simulatorLayout(stateDir).mountRecord(driveIndex), { force: true });
  }
}
