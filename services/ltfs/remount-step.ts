import type { StepDefinition } from "../../shared/steps/index.ts";
import { tapeOfJob } from "../../shared/steps/index.ts";
import { ensureTapeMounted, refuseBlank } from "./mount-tape.ts";
import { driveSessionOf, type LtfsStepDependencies } from "./step-dependencies.ts";

export const REMOUNT_STEP = "remount";

/**
 * The `remount` step after a write: unmounts the tape (LTFS writes its index and exits) and
 * mounts it read-only, so that the read-back that follows reads the tape and not what the
 * cache still holds. Already mounted read-only: done.
 */
export function remountStep(deps: LtfsStepDependencies): StepDefinition {
  return {
    async run({ job, log, progress }) {
      const barcode = await tapeOfJob(job, deps.catalog);
      const session = driveSessionOf(deps, { job, log, progress }, barcode);
      const mounted = await ensureTapeMounted(session, { readOnly: true, onBlank: refuseBlank });
      const where = `drive ${session.driveConfig.element} at ${session.drive.mountPoint}`;
      return {
        summary:
          mounted.how === "already"
            ? `tape ${barcode} was already mounted read-only in ${where}`
            : `remounted tape ${barcode} read-only in ${where} (index written)${mounted.recovered ? " after ltfsck recovered it" : ""}`,
      };
    },
  };
}
