import { type Action, decide, type SchedulerEvent } from "../../../services/scheduler/decide.ts";
import { planOf } from "../../../services/scheduler/job-plans.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import type { ErrorInfo, JobKind } from "../../../shared/messages/index.ts";
import type { StepResult } from "../../../shared/messages/job-steps.ts";

/** The folder and tape of the jobs below. */
export const FOLDER = "/srv/alpha";
export const TAPE = "AAA001L9";

const ARGS: Record<JobKind, Record<string, unknown>> = {
  archive: { folder: FOLDER, tape: TAPE, targetName: "alpha" },
  restore: { folder: FOLDER, target: "/srv/restored" },
  verify: { folder: FOLDER },
  explore: { tape: TAPE },
  "import-tape": { tape: TAPE },
  prepare: { folder: FOLDER, description: "Alpha", compress: false },
  inventory: { folders: ["/srv"] },
} as Record<JobKind, Record<string, unknown>>;

/** A running job of `kind` as the catalog reports it (a tape job on drive 0), attempt 1. */
export function runningJob(kind: JobKind, changes: Partial<CatalogJob> = {}): CatalogJob {
  return {
    id: "3fa2b1c0",
    kind,
    args: ARGS[kind] ?? {},
    priority: 100,
    state: "running",
    progress: null,
    error: null,
    attempts: 1,
    abortRequested: false,
    drive: planOf(kind)?.needsDrive ? 0 : null,
    pendingError: null,
    createdAt: "2026-12-07T12:00:00.000Z",
    startedAt: "2026-12-07T12:00:01.000Z",
    finishedAt: null,
    waitingOn: null,
    waitingRetry: false,
    committedAt: null,
    ...changes,
  };
}

/** A worker's report on `step` of attempt 1. */
export function reported(
  step: string,
  outcome: StepResult["outcome"],
  extra: Partial<StepResult> = {},
): StepResult {
  return {
    jobId: "3fa2b1c0",
    step,
    attempt: 1,
    outcome,
    worker: "ltfs@host:1",
    at: "2026-12-07T12:01:00.000Z",
    ...(outcome === "done" ? { summary: `${step} went fine` } : {}),
    ...extra,
  };
}

/** What `decide` answers for `job` (with its own plan) and `event`. */
export function decideFor(job: CatalogJob, event: SchedulerEvent): Action[] {
  return decide({ job, plan: planOf(job.kind), event });
}

/**
 * The actions in short, as an operator would tell them: `send ltfs/unmount`, `keep-error write
 * LTFS_WRITE_FAILED`, `fail write LTFS_WRITE_FAILED`, `abort`, `finish`, `look`. Notes are left
 * out; `record-waiting` is told with its step.
 */
export function told(actions: readonly Action[]): string[] {
  return actions.map(tell).filter((line) => line !== null);
}

function tell(action: Action): string | null {
  const retry = "retry" in action && action.retry ? " (retry)" : "";
  switch (action.kind) {
    case "record-waiting":
      return `wait ${action.step.step}${retry}`;
    case "send":
      return `send ${action.step.service}/${action.step.step}${retry}`;
    case "keep-error":
      return `keep-error ${action.step} ${action.error.code}`;
    case "fail":
      return `fail ${action.step} ${action.error.code}`;
    case "note":
      return null;
    default:
      return action.kind;
  }
}

/** The one action of `kind` among `actions` (the test fails when there is none). */
export function actionOf<K extends Action["kind"]>(
  actions: readonly Action[],
  kind: K,
): Extract<Action, { kind: K }> {
  const found = actions.find((action) => action.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} among ${JSON.stringify(told(actions))}`);
  return found as Extract<Action, { kind: K }>;
}

/** An error a worker reports. */
export function workerError(code: string, message = `${code} happened`): ErrorInfo {
  return { code, message, hint: "Do the thing." };
}
