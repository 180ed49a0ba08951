import type { StepDefinition } from "../../shared/steps/index.ts";
import { tapeOfJob } from "../../shared/steps/index.ts";
import { ensureTapeMounted, refuseBlank } from "./mount-tape.ts";
import { driveSessionOf, type LtfsStepDependencies } from "./step-dependencies.ts";
import { unmountTape } from "./unmount-step.ts";

export const CYCLE_STEP = "cycle";

/**
 * The `cycle` step, the original's troubleshooting for an unload refused with Request Sense
 * 53/03 (medium removal prevented): LTFS mounts the tape (read-only) and unmounts it again,
 * and on its exit allows medium removal. A tape still mounted is only unmounted.
 */
export function cycleStep(deps: LtfsStepDependencies): StepDefinition {
  return {
    runsWhenAborted: true,
    async run({ job, log, progress }) {
      const barcode = await tapeOfJob(job, deps.catalog);
      const session = driveSessionOf(deps, { job, log, progress }, barcode);
      const wasMounted = await session.drive.isMounted();
      if (!wasMounted) {
        await ensureTapeMounted(session, { readOnly: true, onBlank: refuseBlank });
      }
      await unmountTape(session);
      return {
        summary: `${wasMounted ? "unmounted" : "mounted and unmounted"} tape ${barcode} in drive ${session.driveConfig.element} so that LTFS releases its lock on the cartridge (index written)`,
      };
    },
  };
}
