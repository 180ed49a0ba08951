import type { DriveConfig } from "../../shared/config/index.ts";
import { findLtfsProcesses } from "../../shared/hardware/ltfs/index.ts";
import { findMount, type MountEntry, readMountTable } from "../../shared/hardware/mounts/index.ts";
import { MOVE_FAILURE_CODES } from "../../shared/messages/index.ts";
import { MoveRefusedError } from "./move-refused-error.ts";

/** Whether anything still holds a drive's tape: a mount at its mount point, a live LTFS process. */
export interface DriveOccupancy {
  readonly drive: number;
  /** What is mounted at the drive's mount point, or null. */
  readonly mount: MountEntry | null;
  /** LTFS processes serving the drive's device at its mount point (they write the index on exit). */
  readonly ltfsPids: readonly number[];
}

export interface OccupancyOptions {
  /** The mount table file (`[Paths] mount_table`, default /proc/mounts). */
  readonly mountTable: string;
  /** The process table (tests point this elsewhere). Default /proc. */
  readonly procRoot?: string;
}

/**
 * Reads the mount table and the process table for one configured drive.
 *
 * @example
 * await inspectDrive({ element: 0, device: "/dev/sg3", mountPoint: "/ltfs", serial: null }, { mountTable: "/proc/mounts" });
 * // { drive: 0, mount: null, ltfsPids: [] }
 */
export async function inspectDrive(
  drive: DriveConfig,
  options: OccupancyOptions,
): Promise<DriveOccupancy> {
  const mount = findMount(await readMountTable(options.mountTable), drive.mountPoint);
  const processes = await findLtfsProcesses({
    device: drive.device,
    mountPoint: drive.mountPoint,
    ...(options.procRoot === undefined ? {} : { procRoot: options.procRoot }),
  });
  return { drive: drive.element, mount, ltfsPids: processes.map((p) => p.pid) };
}

/** True when neither a mount nor an LTFS process holds the drive. */
export function isReleased(occupancy: DriveOccupancy): boolean {
  return occupancy.mount === null && occupancy.ltfsPids.length === 0;
}

/**
 * Refuses (TAPE_STILL_MOUNTED) when the drive's tape is mounted or its LTFS process has not
 * exited: LTFS writes the index when it unmounts, and a tape taken out before that is left
 * without a valid index.
 */
export function assertReleased(
  occupancy: DriveOccupancy,
  barcode: string,
  mountPoint: string,
): void {
  if (occupancy.mount !== null) {
    throw new MoveRefusedError(
      MOVE_FAILURE_CODES.tapeStillMounted,
      `Tape ${barcode} in drive ${occupancy.drive} is still mounted at ${mountPoint} (${occupancy.mount.source}, ${occupancy.mount.fsType}); it is not unloaded while mounted.`,
      {
        hint: "Unmount it through pytarchive's ltfs service (it waits until LTFS has written the index), then retry the unload.",
        drive: occupancy.drive,
      },
    );
  }
  if (occupancy.ltfsPids.length > 0) {
    const pids = occupancy.ltfsPids.join(", ");
    throw new MoveRefusedError(
      MOVE_FAILURE_CODES.tapeStillMounted,
      `The LTFS process serving drive ${occupancy.drive} (pid ${pids}) has not exited yet: it may still be writing the index of tape ${barcode}, so the tape is not unloaded.`,
      {
        hint: "Wait until the LTFS process has exited (the ltfs service waits for it after unmounting), then retry the unload. Do not kill it: the index would be lost.",
        drive: occupancy.drive,
      },
    );
  }
}
