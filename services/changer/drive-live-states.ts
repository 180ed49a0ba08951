import type { KV } from "@nats-io/kv";
import type { DriveConfig } from "../../shared/config/index.ts";
import type { LibraryStatus } from "../../shared/hardware/mtx/index.ts";
import type { DriveLiveState } from "../../shared/messages/index.ts";
import { inspectDrive, type OccupancyOptions } from "./drive-occupancy.ts";
import { readDriveState } from "./drive-states.ts";

export interface DriveLiveStateOptions {
  readonly libraryId: string;
  readonly kv: KV;
  /** The `[Drive n]` sections: only configured drives have a mount point to look at. */
  readonly drives: readonly DriveConfig[];
  readonly occupancy: OccupancyOptions;
}

/**
 * Each drive of `library` as it is now: the mount table and the LTFS processes are looked at
 * for every configured drive (not the record of the last reconcile, which may be old), and its
 * block is read from the lease bucket.
 *
 * @example
 * await readDriveLiveStates(library, { libraryId: "lib1", kv, drives, occupancy });
 * // [{ drive: 0, mountPoint: "/ltfs0", mounted: true, ltfsPids: [4242], blocked: null }, …]
 */
export async function readDriveLiveStates(
  library: LibraryStatus,
  options: DriveLiveStateOptions,
): Promise<DriveLiveState[]> {
  return await Promise.all(
    library.drives.map(async ({ index }): Promise<DriveLiveState> => {
      const config = options.drives.find((drive) => drive.element === index);
      const [occupancy, recorded] = await Promise.all([
        config === undefined ? null : inspectDrive(config, options.occupancy),
        readDriveState(options.kv, options.libraryId, index),
      ]);
      return {
        drive: index,
        mountPoint: config?.mountPoint ?? null,
        mounted: occupancy === null ? null : occupancy.mount !== null,
        ltfsPids: occupancy === null ? [] : [...occupancy.ltfsPids],
        blocked: recorded?.blocked ?? null,
      };
    }),
  );
}
