import type { DriveConfig, PytarchiveConfig } from "../../shared/config/index.ts";
import type { FreeSpace, LtfsDrive } from "../../shared/hardware/ltfs/index.ts";
import type { CatalogJob } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import type { StepRun } from "../../shared/steps/index.ts";
import { driveOfJob } from "../../shared/steps/index.ts";
import type { DriveSession } from "./mount-tape.ts";

/** What every ltfs step needs. */
export interface LtfsStepDependencies {
  readonly config: PytarchiveConfig;
  readonly catalog: CatalogClient;
  /** The LTFS adapter of a configured drive. */
  readonly ltfsDrive: (drive: DriveConfig) => LtfsDrive;
}

/** The job's drive with its LTFS adapter, and the step's ways to report. */
export function driveSessionOf(
  deps: LtfsStepDependencies,
  run: Pick<StepRun, "job" | "log" | "progress">,
  barcode: string,
): DriveSession {
  const driveConfig = driveOfJob(run.job, deps.config);
  return {
    config: deps.config,
    driveConfig,
    drive: deps.ltfsDrive(driveConfig),
    barcode,
    log: run.log.child({ drive: driveConfig.element, barcode }),
    progress: run.progress,
  };
}

/**
 * Records LTFS's view of the tape's space in the catalog (used and total KiB) and returns it.
 * statfs of an LTFS mount reports the data partition.
 */
export async function recordTapeSpace(
  deps: LtfsStepDependencies,
  session: DriveSession,
  job: CatalogJob,
): Promise<FreeSpace> {
  const space = await session.drive.freeSpace();
  const capacityKiB = Math.floor(space.totalBytes / 1024);
  await deps.catalog.call("tape-update", {
    barcode: session.barcode,
    jobId: job.id,
    usedKiB: Math.max(0, Math.floor((space.totalBytes - space.freeBytes) / 1024)),
    ...(capacityKiB > 0 ? { capacityKiB } : {}),
  });
  return space;
}
