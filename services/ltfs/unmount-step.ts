import { rm } from "node:fs/promises";
import path from "node:path";
import type { CatalogJob } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import type { StepDefinition } from "../../shared/steps/index.ts";
import { tapeOfJob } from "../../shared/steps/index.ts";
import { moveAbortedCopyAside } from "./aborted-copy.ts";
import { restoredNotePath } from "./engine/index.ts";
import type { DriveSession } from "./mount-tape.ts";
import { driveSessionOf, type LtfsStepDependencies } from "./step-dependencies.ts";

export const UNMOUNT_STEP = "unmount";

/**
 * The `unmount` step, also after a failure or an abort: unmounts the tape and returns only when
 * the ltfs process has exited (its index is on the tape), so the changer may unload it. With
 * nothing mounted it still waits for a leftover ltfs process of the drive.
 */
export function unmountStep(deps: LtfsStepDependencies): StepDefinition {
  return {
    runsWhenAborted: true,
    async run({ job, log, progress }) {
      const barcode = await barcodeOrUnknown(job, deps.catalog);
      const session = driveSessionOf(deps, { job, log, progress }, barcode);
      const aside = await moveAbortedCopyAside(session, deps.catalog, job).catch(
        (error: unknown) => {
          // The unmount matters more: the tape must not stay mounted because of this.
          log.warn("could not move the aborted archive's copy aside", { error });
          return null;
        },
      );
      const unmounted = await unmountTape(session);
      const summary =
        aside === null
          ? unmounted
          : `moved the aborted copy to ${path.relative(session.drive.mountPoint, aside)}; ${unmounted}`;
      if (restoreEndedDone(job)) {
        // The restore step's end is recorded by now: its note for a run after a crash can go.
        await rm(restoredNotePath(deps.config.general.scratchPath, job.id), { force: true });
      }
      return { summary };
    },
  };
}

/**
 * Whether `job` is a restore whose restore step ended without an error. A failed one (its error
 * pending until the tape is home) keeps its note: after a failure past the unpack (setting the
 * target's own mode and times), the requeued run finds by it that the target is its finished
 * work, not someone's folder, and ends the job.
 */
export function restoreEndedDone(job: Pick<CatalogJob, "kind" | "pendingError">): boolean {
  return job.kind === "restore" && job.pendingError === null;
}

/** Unmounts and waits for LTFS to exit; the summary line. */
export async function unmountTape(session: DriveSession): Promise<string> {
  const { drive, driveConfig, barcode, log, progress } = session;
  progress({ text: `unmounting tape ${barcode} from drive ${driveConfig.element}` });
  const result = await drive.unmount();
  log.info("unmounted; LTFS has exited", {
    wasMounted: result.wasMounted,
    ltfsPids: result.ltfsPids,
    waitedMs: result.waitedMs,
  });
  if (result.wasMounted) {
    return `unmounted tape ${barcode} from drive ${driveConfig.element} (index written)`;
  }
  return result.ltfsPids.length > 0
    ? `nothing was mounted in drive ${driveConfig.element}; waited for the LTFS process left from before to exit (index written)`
    : `nothing was mounted in drive ${driveConfig.element} and no LTFS process was running`;
}

/**
 * The job's tape for messages, never an error: unmount runs after failures too, even those of
 * finding the tape (a restore whose folder the catalog no longer has on a tape).
 */
async function barcodeOrUnknown(job: CatalogJob, catalog: CatalogClient): Promise<string> {
  try {
    return await tapeOfJob(job, catalog);
  } catch {
    return "(unknown)";
  }
}
