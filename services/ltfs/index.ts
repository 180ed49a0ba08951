import type { LtfsDrive } from "../../shared/hardware/ltfs/index.ts";
import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { createCatalogClient } from "../../shared/nats/index.ts";
import type { StepDefinition } from "../../shared/steps/index.ts";
import { type ServiceStepWorkerOptions, startServiceStepWorker } from "../../shared/steps/index.ts";
import { CYCLE_STEP, cycleStep } from "./cycle-step.ts";
import { createDriveLocks } from "./drive-locks.ts";
import { MOUNT_STEP, mountStep } from "./mount-step.ts";
import { oneStepPerDrive } from "./one-step-per-drive.ts";
import { reportDriveMounts } from "./reconcile-drives.ts";
import { REMOUNT_STEP, remountStep } from "./remount-step.ts";
import { RESTORE_STEP, restoreStep } from "./restore-step.ts";
import type { LtfsStepDependencies } from "./step-dependencies.ts";
import { catalogTapeInDrive, remountAfterStop, stopFailure, unmountAtStop } from "./stop-mounts.ts";
import { ltfsDriveFor } from "./tape-drives.ts";
import { UNMOUNT_STEP, unmountStep } from "./unmount-step.ts";
import { WRITE_STEP, writeStep } from "./write-step.ts";

export { CYCLE_STEP, cycleStep } from "./cycle-step.ts";
export { createDriveLocks, type DriveLocks } from "./drive-locks.ts";
export { INCOMPLETE_FOLDER } from "./incomplete-copies.ts";
export { LTFS_SERVICE_ERROR_CODES } from "./ltfs-service-errors.ts";
export { MOUNT_STEP, mountStep } from "./mount-step.ts";
export { REMOUNT_STEP, remountStep } from "./remount-step.ts";
export { RESTORE_STEP, restoreStep } from "./restore-step.ts";
export type { LtfsStepDependencies } from "./step-dependencies.ts";
export { UNMOUNT_STEP, unmountStep } from "./unmount-step.ts";
export { WRITE_STEP, writeStep } from "./write-step.ts";

export interface LtfsServiceOptions extends ServiceStepWorkerOptions {
  /** How long an unmount waits for the ltfs process to exit. Default 30 minutes. */
  readonly exitTimeoutMs?: number;
}

/**
 * The ltfs service: does the LTFS steps of tape jobs — `mount`, `write`, `remount`, `restore`,
 * `unmount`, `cycle` (README.md). It consumes `pyt.<lib>.work.ltfs.>` (durable consumer `ltfs`),
 * as many steps at once as there are drives, but one step at a time per drive: a step for a
 * busy drive waits for it.
 *
 * @example
 * runServices({ services: [createCatalogService(), createLtfsService(), schedulerService], config });
 */
export function createLtfsService(options: LtfsServiceOptions = {}): ServiceDefinition {
  return {
    name: "ltfs",
    // Stopping waits for every unmount, and each for LTFS to write its index and exit.
    stopTimeoutMs: (options.exitTimeoutMs ?? DEFAULT_UNMOUNT_WAIT_MS) + STOP_MARGIN_MS,
    async start({ config, nc, js, log, signal }) {
      const libraryId = config.nats.libraryId;
      const drives = new Map<number, LtfsDrive>(
        config.device.drives.map((drive) => [
          drive.element,
          ltfsDriveFor(config, drive, {
            ...(options.exitTimeoutMs === undefined
              ? {}
              : { exitTimeoutMs: options.exitTimeoutMs }),
          }),
        ]),
      );
      const deps: LtfsStepDependencies = {
        config,
        catalog: createCatalogClient(nc, libraryId),
        ltfsDrive: (drive) => drives.get(drive.element) ?? ltfsDriveFor(config, drive),
      };
      const configured = config.device.drives.map((drive) => ({
        config: drive,
        ltfs: deps.ltfsDrive(drive),
      }));
      // Before any step: the job that had a tape mounted when pytarchive stopped expects it so.
      await remountAfterStop({ config, drives: configured, log });
      await reportDriveMounts(configured, log);

      const locks = createDriveLocks();
      const steps: Record<string, StepDefinition> = {
        [MOUNT_STEP]: mountStep(deps),
        [WRITE_STEP]: writeStep(deps),
        [REMOUNT_STEP]: remountStep(deps),
        [RESTORE_STEP]: restoreStep(deps),
        [UNMOUNT_STEP]: unmountStep(deps),
        [CYCLE_STEP]: cycleStep(deps),
      };
      const worker = await startServiceStepWorker(
        { config, nc, js, log, signal },
        {
          service: "ltfs",
          steps: oneStepPerDrive(steps, locks, config),
          concurrency: Math.max(1, config.device.drives.length),
        },
        options,
      );
      log.info("ltfs service running", {
        drives: config.device.drives.map((drive) => ({
          drive: drive.element,
          device: drive.device,
          mountPoint: drive.mountPoint,
        })),
        mountOptions: config.ltfs.mountOptions,
      });
      return {
        async health() {
          const busy = config.device.drives.filter((drive) => locks.isBusy(drive.element));
          return {
            ok: true,
            detail: `${config.device.drives.length} drive(s), ${busy.length} busy`,
          };
        },
        // Running steps are stopped and handed back to JetStream: a copy stops between files
        // (its folder has no manifest and is moved aside by the next run), an LTFS command
        // runs to its end. Then every tape is unmounted (LTFS writes its index) and mounted
        // again at the next start for the steps that follow. A tape left mounted makes the
        // stop fail, so that the launcher does not exit 0 as after a clean stop.
        async stop() {
          await worker.stop();
          const { failed } = await unmountAtStop({
            config,
            drives: configured,
            locks,
            log,
            // The note names the job's tape; a catalog that does not answer soon is not waited for.
            tapeInDrive: catalogTapeInDrive(
              createCatalogClient(nc, libraryId, { timeoutMs: CATALOG_AT_STOP_MS }),
            ),
          });
          if (failed.length > 0) throw stopFailure(failed);
        },
      };
    },
  };
}

/** How long an unmount waits for LTFS to exit unless told otherwise (the drive adapter's default). */
const DEFAULT_UNMOUNT_WAIT_MS = 30 * 60_000;
/** Beyond the unmount: the running steps' ends (an LTFS command runs to its end). */
const STOP_MARGIN_MS = 5 * 60_000;
/** How long a stop asks the catalog which tape a drive holds before unmounting without knowing. */
const CATALOG_AT_STOP_MS = 3_000;

/** The ltfs service as the runner starts it. */
export const ltfsService: ServiceDefinition = createLtfsService();
