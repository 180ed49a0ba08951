import { type Static, type TObject, type TProperties, Type } from "@sinclair/typebox";
import {
  AbsolutePathSchema,
  AttemptSchema,
  BarcodeSchema,
  ErrorInfoSchema,
  JobIdSchema,
  PrioritySchema,
  StepSchema,
  TimestampSchema,
} from "./common-schemas.ts";
import { defineMessage, type MessageType } from "./define-message.ts";

/** The kinds of job the queue runs; read verbs (summary, queue, …) create no job. */
export const JOB_KINDS = [
  "prepare",
  "archive",
  "restore",
  "explore",
  "inventory",
  "verify",
  "import-tape",
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** Default priorities, as the original: lower runs first. */
export const DEFAULT_PRIORITIES: Readonly<Record<JobKind, number>> = {
  prepare: 0,
  explore: 20,
  archive: 100,
  restore: 100,
  verify: 100,
  "import-tape": 100,
  inventory: 200,
};

/** The arguments of each job kind, named like the original's flags. */
export const JOB_ARGUMENT_SCHEMAS = {
  prepare: Type.Object({
    folder: AbsolutePathSchema,
    description: Type.String(),
    compress: Type.Boolean(),
  }),
  archive: Type.Object({
    folder: AbsolutePathSchema,
    tape: BarcodeSchema,
    /** Name on tape; absent means the default (last three path parts joined by `_`). */
    targetName: Type.Optional(Type.String({ minLength: 1 })),
  }),
  restore: Type.Object({
    folder: AbsolutePathSchema,
    target: AbsolutePathSchema,
    subfolder: Type.Optional(Type.String({ minLength: 1 })),
  }),
  explore: Type.Object({
    tape: BarcodeSchema,
    seconds: Type.Integer({ minimum: 1 }),
    email: Type.Optional(Type.String({ minLength: 1 })),
  }),
  inventory: Type.Object({
    folders: Type.Array(AbsolutePathSchema),
  }),
  verify: Type.Object({
    /** An archived folder's original path, or a tape's barcode. */
    target: Type.String({ minLength: 1 }),
    /**
     * Adopt: read every file on the tape and compare it with the original (where it still
     * exists) instead of with the recorded checksums; folders archived, not verified.
     */
    adopt: Type.Optional(Type.Boolean()),
  }),
  "import-tape": Type.Object({
    /** The tape whose folders are recorded in the catalog. */
    tape: BarcodeSchema,
  }),
} as const satisfies Record<JobKind, TObject>;

/**
 * The original's default name on tape: the last three parts of the path joined by `_`. The
 * gateway fills an archive job's `targetName` with it when `-t NAME` is not given.
 *
 * @example
 * defaultTargetName("/srv/projects/2021/alpha"); // "projects_2021_alpha"
 * defaultTargetName("/alpha"); // "alpha"
 */
export function defaultTargetName(folder: string): string {
  return folder
    .split("/")
    .filter((part) => part !== "")
    .slice(-3)
    .join("_");
}

export type JobArguments<K extends JobKind = JobKind> = Static<(typeof JOB_ARGUMENT_SCHEMAS)[K]>;

/** One object schema per job kind, each `{ kind: <literal>, args: <its args>, ...common }`. */
function perKind<P extends TProperties>(common: P) {
  const variant = <K extends JobKind>(kind: K) =>
    Type.Object({ ...common, kind: Type.Literal(kind), args: JOB_ARGUMENT_SCHEMAS[kind] });
  return Type.Union([
    variant("prepare"),
    variant("archive"),
    variant("restore"),
    variant("explore"),
    variant("inventory"),
    variant("verify"),
    variant("import-tape"),
  ]);
}

/** Kind and arguments of a job, one variant per kind: `{ kind: "archive", args: { folder, tape } }`. */
export const JobSpecSchema = perKind({});
export type JobSpec = Static<typeof JobSpecSchema>;

/** Event kinds of a job's life, used as `subjects(lib).event(JOB_EVENTS.created)`. */
export const JOB_EVENTS = {
  created: "job.created",
  queued: "job.queued",
  started: "job.started",
  progress: "job.progress",
  finished: "job.finished",
  failed: "job.failed",
  aborted: "job.aborted",
} as const;
export type JobEventKind = (typeof JOB_EVENTS)[keyof typeof JOB_EVENTS];

/** A job was accepted and recorded: everything needed to run it. */
export const JobCreated = defineMessage(
  JOB_EVENTS.created,
  perKind({ jobId: JobIdSchema, priority: PrioritySchema, at: TimestampSchema }),
);
export type JobCreated = MessageType<typeof JobCreated>;

/** A job (or its retry after a requeue) is waiting in the queue. */
export const JobQueued = defineMessage(
  JOB_EVENTS.queued,
  Type.Object({
    jobId: JobIdSchema,
    kind: Type.Union(JOB_KINDS.map((kind) => Type.Literal(kind))),
    priority: PrioritySchema,
    attempt: AttemptSchema,
    at: TimestampSchema,
  }),
);
export type JobQueued = MessageType<typeof JobQueued>;

/** A service began a step of a job. `worker` names the service instance. */
export const JobStarted = defineMessage(
  JOB_EVENTS.started,
  Type.Object({
    jobId: JobIdSchema,
    step: StepSchema,
    attempt: AttemptSchema,
    worker: Type.String({ minLength: 1 }),
    at: TimestampSchema,
  }),
);
export type JobStarted = MessageType<typeof JobStarted>;

const Count = Type.Number({ minimum: 0 });

/**
 * How far a step is, as numbers (each absent when the step cannot know it): bytes and files
 * done and in all, the rate over the last seconds and the time left at that rate.
 */
export const PROGRESS_COUNTS = {
  bytesDone: Type.Optional(Count),
  bytesTotal: Type.Optional(Count),
  filesDone: Type.Optional(Count),
  filesTotal: Type.Optional(Count),
  bytesPerSecond: Type.Optional(Count),
  filesPerSecond: Type.Optional(Count),
  etaSeconds: Type.Optional(Count),
};

/** How far a running step is: a percentage, a line of text, its numbers. */
export const JobProgress = defineMessage(
  JOB_EVENTS.progress,
  Type.Object({
    jobId: JobIdSchema,
    step: StepSchema,
    percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    text: Type.Optional(Type.String()),
    ...PROGRESS_COUNTS,
    at: TimestampSchema,
  }),
);
export type JobProgress = MessageType<typeof JobProgress>;

/** The whole job is done. */
export const JobFinished = defineMessage(
  JOB_EVENTS.finished,
  Type.Object({
    jobId: JobIdSchema,
    summary: Type.Optional(Type.String()),
    at: TimestampSchema,
  }),
);
export type JobFinished = MessageType<typeof JobFinished>;

/** A step failed for good; the job stays listed with this error until requeued or aborted. */
export const JobFailed = defineMessage(
  JOB_EVENTS.failed,
  Type.Object({
    jobId: JobIdSchema,
    step: StepSchema,
    attempt: AttemptSchema,
    error: ErrorInfoSchema,
    at: TimestampSchema,
  }),
);
export type JobFailed = MessageType<typeof JobFailed>;

/** The job was aborted (queued, failed, or stopped while running). */
export const JobAborted = defineMessage(
  JOB_EVENTS.aborted,
  Type.Object({
    jobId: JobIdSchema,
    reason: Type.String(),
    at: TimestampSchema,
  }),
);
export type JobAborted = MessageType<typeof JobAborted>;

/**
 * One step of one job on a work queue. Published with message id `<jobId>.<step>.<attempt>`
 * (see publishWork in shared/nats), so a duplicate publish within the stream's window is dropped.
 */
export const WorkItem = defineMessage(
  "work.item",
  Type.Object({ jobId: JobIdSchema, step: StepSchema, attempt: AttemptSchema }),
);
export type WorkItem = MessageType<typeof WorkItem>;
