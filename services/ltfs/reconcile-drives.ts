import type { DriveConfig } from "../../shared/config/index.ts";
import { findLtfsProcesses, type LtfsDrive } from "../../shared/hardware/ltfs/index.ts";
import type { Logger } from "../../shared/logging/index.ts";

/** What one drive had when the service started. */
export interface DriveFinding {
  readonly drive: number;
  readonly mountPoint: string;
  /** What the mount table shows there ("ltfs:/dev/sg3"), or null. */
  readonly mounted: string | null;
  readonly readOnly: boolean | null;
  /** ltfs processes serving the drive at its mount point. */
  readonly ltfsPids: readonly number[];
}

/**
 * Logs what each configured drive has mounted when the service starts. A mount left from before
 * a crash stays mounted on purpose: the job it belongs to is still running, and either its next
 * step uses the tape (the redelivered write finds its copy) or the scheduler's release sends
 * `unmount`. Unmounting here would race that job's step and could unmount a tape another
 * instance of this service is writing.
 */
export async function reportDriveMounts(
  drives: readonly { readonly config: DriveConfig; readonly ltfs: LtfsDrive }[],
  log: Logger,
): Promise<DriveFinding[]> {
  const findings: DriveFinding[] = [];
  for (const { config, ltfs } of drives) {
    try {
      const mount = await ltfs.currentMount();
      const processes = await findLtfsProcesses({
        device: ltfs.device,
        mountPoint: ltfs.mountPoint,
      });
      const finding: DriveFinding = {
        drive: config.element,
        mountPoint: ltfs.mountPoint,
        mounted: mount?.source ?? null,
        readOnly: mount?.readOnly ?? null,
        ltfsPids: processes.map((process) => process.pid),
      };
      findings.push(finding);
      if (mount === null) {
        log.info(
          processes.length > 0
            ? "drive has nothing mounted, but an ltfs process still runs for it (unmount waits for it)"
            : "drive has nothing mounted",
          { ...finding },
        );
      } else {
        log.info(
          processes.length > 0
            ? "drive has a tape mounted from before this start; left mounted for its job's next step or the scheduler's unmount"
            : "drive has a mount from before this start without its ltfs process (LTFS stopped); the next mount or unmount of the drive clears it",
          { ...finding },
        );
      }
    } catch (error) {
      log.warn("could not find out what the drive has mounted", {
        drive: config.element,
        mountPoint: ltfs.mountPoint,
        error,
      });
    }
  }
  return findings;
}
