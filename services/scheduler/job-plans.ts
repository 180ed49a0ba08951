import type { JobKind } from "../../shared/messages/index.ts";

/**
 * Where a step stands in a tape job: `acquire` brings the tape into the drive, `work` uses the
 * mounted tape, `release` unmounts and unloads it. A failure during `work` still runs the release
 * steps before the job ends failed, so no job leaves its tape mounted.
 */
export type StepPhase = "acquire" | "work" | "release";

/** One step of a job: what to do, and which service's work queue does it. */
export interface PlannedStep {
  /** The step's name: the last token of the work subject and part of the message id. */
  readonly step: string;
  /**
   * The worker service (and NATS user) whose queue `pyt.<lib>.work.<service>.<step>` gets it.
   * `changer` steps are tape moves the scheduler sends to the changer itself.
   */
  readonly service: string;
  readonly phase?: StepPhase;
}

/** The service name of tape moves: the scheduler publishes them on `pyt.<lib>.changer.move`. */
export const CHANGER = "changer";

/** How a kind of job runs: its steps in order, and what a failure does to its folder. */
export interface JobPlan {
  readonly steps: readonly [PlannedStep, ...PlannedStep[]];
  /** Whether the job needs a tape drive; those wait for a drive, the others run beside them. */
  readonly needsDrive: boolean;
  /** When it fails, the folder in `args.folder` (while preparing or archiving) is marked failed. */
  readonly marksFolderFailed: boolean;
}

const acquire: readonly [PlannedStep, PlannedStep, PlannedStep] = [
  { step: "clear", service: CHANGER, phase: "acquire" },
  { step: "load", service: CHANGER, phase: "acquire" },
  { step: "mount", service: "ltfs", phase: "acquire" },
];
const release: readonly PlannedStep[] = [
  { step: "unmount", service: "ltfs", phase: "release" },
  { step: "unload", service: CHANGER, phase: "release" },
];

/** A tape job: take the drive (unload another tape), load, mount, `work`, unmount, unload. */
function tapePlan(work: readonly PlannedStep[], marksFolderFailed: boolean): JobPlan {
  return {
    steps: [...acquire, ...work.map((step) => ({ ...step, phase: "work" as const })), ...release],
    needsDrive: true,
    marksFolderFailed,
  };
}

/** The ltfs step that recovers an unload refused with 53/03: mount, then unmount again. */
export const CYCLE_STEP: PlannedStep = { step: "cycle", service: "ltfs", phase: "release" };

/** The kinds of job this scheduler knows how to run, and their steps. */
export const JOB_PLANS: Readonly<Partial<Record<JobKind, JobPlan>>> = {
  archive: tapePlan(
    [
      { step: "write", service: "ltfs" },
      { step: "remount", service: "ltfs" },
      { step: "verify", service: "verification" },
    ],
    true,
  ),
  restore: tapePlan([{ step: "restore", service: "ltfs" }], false),
  verify: tapePlan([{ step: "check", service: "verification" }], false),
  explore: tapePlan([{ step: "export", service: "export" }], false),
  "import-tape": tapePlan([{ step: "import", service: "verification" }], false),
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
export const DEFAULT_RUNNABLE_KINDS: readonly JobKind[] = [
  "prepare",
  "inventory",
  "archive",
  "restore",
  "verify",
  "explore",
  "import-tape",
];

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

/** The planned step named `step` (or the 53/03 recovery step), or null. */
export function findStep(plan: JobPlan, step: string): PlannedStep | null {
  if (step === CYCLE_STEP.step && plan.needsDrive) return CYCLE_STEP;
  return plan.steps.find((planned) => planned.step === step) ?? null;
}

/** The first step of the release: where a tape job goes when its work failed or was aborted. */
export function releaseStart(plan: JobPlan): PlannedStep | null {
  return plan.steps.find((planned) => planned.phase === "release") ?? null;
}
