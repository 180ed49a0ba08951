export type { ProgressCounts } from "./progress-rate.ts";
export type { StepProgress } from "./progress-reporter.ts";
export { type ServiceStepWorkerOptions, startServiceStepWorker } from "./service-step-worker.ts";
export type { StepDefinition, StepRun } from "./step-handler.ts";
export { driveOfJob, mountsReadOnly, tapeOfJob, verifyTargetsTape } from "./tape-job.ts";
