import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { driveOfJob, type StepDefinition } from "../../shared/steps/index.ts";
import type { DriveLocks } from "./drive-locks.ts";

/** Runs `step` only while no other step holds the job's drive. */
export function oneAtATimePerDrive(
  step: StepDefinition,
  locks: DriveLocks,
  config: PytarchiveConfig,
): StepDefinition {
  return {
    ...step,
    run: (run) => {
      const drive = driveOfJob(run.job, config);
      if (locks.isBusy(drive.element)) {
        run.log.info("waiting for another step of the drive to finish", { drive: drive.element });
        run.progress({ text: `waiting for drive ${drive.element}: another step uses it` });
      }
      // A release step (unmount, cycle) keeps waiting through an abort: the abort needs it done.
      const signal = step.runsWhenAborted === true ? undefined : run.signal;
      return locks.withDrive(drive.element, signal, () => step.run(run));
    },
  };
}

/** Every step of `steps`, each waiting for the job's drive (oneAtATimePerDrive). */
export function oneStepPerDrive(
  steps: Record<string, StepDefinition>,
  locks: DriveLocks,
  config: PytarchiveConfig,
): Record<string, StepDefinition> {
  return Object.fromEntries(
    Object.entries(steps).map(([name, step]) => [name, oneAtATimePerDrive(step, locks, config)]),
  );
}
