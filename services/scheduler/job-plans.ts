import type { JobKind } from "../../shared/messages/index.ts";

/** One step of a job: what to do, and which service's work queue does it. */
export interface PlannedStep {
  /** The step's name: the last token of the work subject and part of the message id. */
  readonly step: string;
  /** The worker service (and NATS user) whose queue `pyt.<lib>.work.<service>.<step>` gets it. */
  readonly service: string;
}

/** How a kind of job runs: its steps in order, and what a failure does to its folder. */
export interface JobPlan {
  readonly steps: readonly [PlannedStep, ...PlannedStep[]];
  /** Whether the job needs a tape drive; those wait for a drive, the others run beside them. */
  readonly needsDrive: boolean;
  /** When it fails, the folder in `args.folder` (while preparing or archiving) is marked failed. */
  readonly marksFolderFailed: boolean;
}

/**
 * The kinds of job this scheduler knows how to run. Tape jobs (archive, restore, explore,
 * verify) are not here yet: they stay queued until their plans and drive assignment exist
 * (README.md, "Tape jobs").
 */
export const JOB_PLANS: Readonly<Partial<Record<JobKind, JobPlan>>> = {
  prepare: {
    steps: [{ step: "prepare", service: "compression" }],
    needsDrive: false,
    marksFolderFailed: true,
  },
  inventory: {
    steps: [{ step: "report", service: "inventory" }],
    needsDrive: false,
    marksFolderFailed: false,
  },
};

/** Kinds the scheduler runs unless told otherwise: those whose worker service exists. */
export const DEFAULT_RUNNABLE_KINDS: readonly JobKind[] = ["prepare"];

/** The plan of `kind`, or null when this scheduler cannot run it. */
export function planOf(kind: string): JobPlan | null {
  return JOB_PLANS[kind as JobKind] ?? null;
}

/**
 * Where `step` is in the plan and what follows it: `next` is null after the last step. Null
 * when the plan has no such step.
 *
 * @example stepPosition(JOB_PLANS.prepare, "prepare") // { index: 0, next: null }
 */
export function stepPosition(
  plan: JobPlan,
  step: string,
): { index: number; next: PlannedStep | null } | null {
  const index = plan.steps.findIndex((planned) => planned.step === step);
  return index < 0 ? null : { index, next: plan.steps[index + 1] ?? null };
}

/** The planned step named `step`, or null. */
export function findStep(plan: JobPlan, step: string): PlannedStep | null {
  return plan.steps.find((planned) => planned.step === step) ?? null;
}
