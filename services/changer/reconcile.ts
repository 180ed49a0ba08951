import type { KV } from "@nats-io/kv";
import type { DriveConfig } from "../../shared/config/index.ts";
import type { LibraryStatus } from "../../shared/hardware/mtx/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { ChangerDriveState } from "../../shared/messages/index.ts";
import { type DriveOccupancy, inspectDrive, type OccupancyOptions } from "./drive-occupancy.ts";
import { updateDriveState } from "./drive-states.ts";

export interface ReconcileOptions {
  readonly libraryId: string;
  /** A fresh `mtx status`. */
  readonly readLibrary: () => Promise<LibraryStatus>;
  readonly drives: readonly DriveConfig[];
  readonly occupancy: OccupancyOptions;
  readonly kv: KV;
  readonly log: Logger;
}

/**
 * What the changer does on start, before it takes any move: reads `mtx status`, the mount
 * table and the LTFS processes of each configured drive, and records for every drive which
 * tape it holds and whether that tape is mounted (`changer.<lib>.drive.<n>` in the lease bucket;
 * a drive's block is kept). Nothing moves: a loaded drive stays loaded, mounted or not; the
 * scheduler decides what to do with it. Returns the recorded states.
 *
 * @example
 * const states = await reconcileDrives({ libraryId: "lib1", readLibrary: () => mtx.status(), drives, occupancy, kv, log });
 */
export async function reconcileDrives(options: ReconcileOptions): Promise<ChangerDriveState[]> {
  const { log } = options;
  const library = await options.readLibrary();
  const states: ChangerDriveState[] = [];
  for (const drive of library.drives) {
    const config = options.drives.find((d) => d.element === drive.index);
    const occupancy: DriveOccupancy | null =
      config === undefined ? null : await inspectDrive(config, options.occupancy);
    const state = await updateDriveState(options.kv, options.libraryId, drive.index, (old) => ({
      ...old,
      barcode: drive.full ? drive.barcode : null,
      full: drive.full,
      sourceSlot: drive.full ? drive.sourceSlot : null,
      mounted: occupancy === null ? null : occupancy.mount !== null,
      ltfsPids: occupancy === null ? [] : [...occupancy.ltfsPids],
    }));
    states.push(state);
    logFinding(log, state, config);
  }
  for (const config of options.drives) {
    if (!library.drives.some((drive) => drive.index === config.element)) {
      log.warn("a configured drive is not in the library", {
        drive: config.element,
        device: config.device,
        drives: library.drives.length,
        hint: "Check the [Drive n] sections: mtx numbers drives from 0.",
      });
    }
  }
  log.info("reconciled the library before taking moves", {
    drives: states.length,
    loaded: states.filter((s) => s.full).length,
    mounted: states.filter((s) => s.mounted === true).length,
    blocked: states.filter((s) => s.blocked !== null).map((s) => s.drive),
  });
  return states;
}

function logFinding(log: Logger, state: ChangerDriveState, config: DriveConfig | undefined): void {
  const fields = {
    drive: state.drive,
    barcode: state.barcode,
    sourceSlot: state.sourceSlot,
    mountPoint: config?.mountPoint ?? null,
    ltfsPids: state.ltfsPids,
  };
  if (state.blocked !== null) {
    log.warn("found a blocked drive; it takes no moves until an operator clears it", {
      ...fields,
      blockedSince: state.blocked.at,
      reason: state.blocked.reason,
    });
  }
  if (config === undefined) {
    if (state.full) {
      log.warn("found a tape in a drive that is not configured: its mount state is unknown", {
        ...fields,
        hint: `Add a [Drive ${state.drive}] section to the configuration.`,
      });
    }
    return;
  }
  if (!state.full) {
    if (state.mounted || state.ltfsPids.length > 0) {
      log.warn("found an empty drive with something mounted or LTFS still running", fields);
    } else {
      log.info("found an empty drive", fields);
    }
  } else if (state.mounted || state.ltfsPids.length > 0) {
    log.warn("found a tape in a drive, still mounted or held by LTFS; left as it is", fields);
  } else {
    log.info(
      "found a tape in a drive, not mounted; left loaded for the scheduler to decide",
      fields,
    );
  }
}
