import fs from "node:fs";
import path from "node:path";
import { simulatorLayout } from "../layout.ts";
import { detachLoopDevice, loopDevicesBacking, mountPointsOf } from "./loop-device.ts";
import { liveMountRecord, readMountRecordFile, releaseMountRecord } from "./mount-record.ts";
import { runSystemCommand } from "./system-command.ts";
import { tapeMediumFiles } from "./tape-medium.ts";

/** Who, if anyone, is using a tape's medium right now. */
export type MediumUse =
  | { readonly kind: "free" }
  /** An ltfs daemon holds the drive (mounted, or still writing its index after umount). */
  | { readonly kind: "held-by-ltfs"; readonly pid: number; readonly mountPoint: string }
  /** The image is mounted with no daemon behind it: what a crashed (SIGKILLed) ltfs leaves. */
  | { readonly kind: "mounted"; readonly mountPoints: readonly string[] };

/**
 * Decides whether mkltfs, ltfs or ltfsck may touch the medium. A real drive is reserved by the
 * ltfs process that has it open, so other tools get EBUSY until that process exits. What a
 * crashed simulator process left behind is cleaned up on the way: its private mounts under
 * `<state>/run/`, loop devices attached but no longer mounted, and its mount record. A mount the user can see
 * (a crashed daemon's mount point) is the user's to unmount, as with real LTFS.
 */
export function inspectMediumUse(stateDir: string, driveIndex: number, tapeDir: string): MediumUse {
  const holder = liveMountRecord(stateDir, driveIndex);
  if (holder !== null) {
    return { kind: "held-by-ltfs", pid: holder.pid, mountPoint: holder.mountPoint };
  }
  const loops = loopDevicesBacking(tapeMediumFiles(tapeDir).image);
  const runDir = simulatorLayout(stateDir).runDir;
  for (const orphan of mountPointsOf(loops)) {
    if (path.dirname(orphan) === runDir && path.basename(orphan).startsWith("medium-")) {
      runSystemCommand("umount", ["--lazy", orphan]);
      try {
        fs.rmdirSync(orphan);
      } catch {
        // Still busy below the lazy unmount; an empty folder left in run/ harms nothing.
      }
    }
  }
  const mountPoints = mountPointsOf(loops);
  if (mountPoints.length > 0) return { kind: "mounted", mountPoints };
  for (const loop of loops) {
    try {
      detachLoopDevice(loop.device);
    } catch {
      // Someone else detached it meanwhile.
    }
  }
  // A record left by a daemon that died (SIGKILL) names nobody any more.
  const stale = readMountRecordFile(stateDir, driveIndex);
  if (stale !== null) releaseMountRecord(stateDir, driveIndex, stale.pid);
  return { kind: "free" };
}
