import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { SummaryReplySchema } from "./commands.ts";
import { ErrorInfoSchema, JobIdSchema, StepSchema, TimestampSchema } from "./common-schemas.ts";
import { defineMessage, type MessageDefinition } from "./define-message.ts";
import { JOB_KINDS, type JobKind, PROGRESS_COUNTS } from "./job-messages.ts";
import { LegacyImportReplySchema, LegacyImportRequestSchema } from "./legacy-import.ts";
import { ProgressFiguresSchema } from "./progress-figures.ts";

/*
 * Requests to the catalog service on `subjects(lib).catalog(op)`, one request and one reply schema
 * per operation. The catalog is the only owner of the database; every other service asks here.
 * Errors come back as ServiceError with the catalog's code (UNKNOWN_TAPE, UNKNOWN_JOB, ...).
 */

/** Job kinds the catalog stores: the same as everywhere else. */
export const CATALOG_JOB_KINDS = JOB_KINDS;
export type CatalogJobKind = JobKind;

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableTimestamp = Type.Union([TimestampSchema, Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
const JobKindSchema = Type.Union(CATALOG_JOB_KINDS.map((kind) => Type.Literal(kind)));
const ArgsSchema = Type.Record(Type.String(), Type.Unknown());

/** A job row as the catalog reports it (timestamps as ISO text). */
export const CatalogJobSchema = Type.Object({
  id: JobIdSchema,
  kind: JobKindSchema,
  args: ArgsSchema,
  priority: Type.Integer(),
  state: Type.String(),
  progress: NullableString,
  error: NullableString,
  attempts: Type.Integer({ minimum: 0 }),
  abortRequested: Type.Boolean(),
  /** The drive (element number) a running tape job was given; null for jobs that need none. */
  drive: NullableInteger,
  /**
   * The error a running tape job ends with once its drive is released (unmounted, unloaded):
   * set by `job-failing`, turned into the job's failure by the scheduler after the release.
   */
  pendingError: Type.Union([ErrorInfoSchema, Type.Null()]),
  createdAt: TimestampSchema,
  startedAt: NullableTimestamp,
  finishedAt: NullableTimestamp,
  /**
   * The step the scheduler sent and no worker has taken up yet (null once one reports on it);
   * a restarted scheduler sends exactly this step again. `waitingRetry`: it is the unload
   * retried after the 53/03 recovery.
   */
  waitingOn: Type.Optional(NullableString),
  waitingRetry: Type.Optional(Type.Boolean()),
  /**
   * The step the scheduler sent last in this attempt (kept while a worker runs it); a worker
   * handed another step of the attempt leaves it alone: the job has moved on.
   */
  currentStep: Type.Optional(NullableString),
  /** When the job's result became permanent (an archive: its folder archived); an abort is then too late. */
  committedAt: Type.Optional(NullableTimestamp),
  /** What the job read, wrote or checked, once known (archive, restore, verify, prepare). */
  bytesMoved: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
  filesMoved: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  /** Its last progress report as numbers (`queue` and `job-get` only); null: none yet. */
  progressFigures: Type.Optional(Type.Union([ProgressFiguresSchema, Type.Null()])),
});
export type CatalogJob = Static<typeof CatalogJobSchema>;

/** A folder row as the catalog reports it. */
export const CatalogFolderSchema = Type.Object({
  path: Type.String(),
  state: Type.String(),
  description: Type.String(),
  targetName: NullableString,
  sizeKiB: Type.Union([Type.Number(), Type.Null()]),
  /** What the folder takes on LTFS, in bytes (files' lengths: sparse files count in full). */
  apparentBytes: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
  fileCount: Type.Union([Type.Number(), Type.Null()]),
  compressed: Type.Boolean(),
  /** The folder's tar archive in scratch_path when `compressed` (what is written to tape). */
  archivePath: NullableString,
  tapeBarcode: NullableString,
  error: NullableString,
  archivedAt: NullableTimestamp,
  verifiedAt: NullableTimestamp,
  /** When its size was measured (prepare, or the original's `size_queried`); absent: older services. */
  measuredAt: Type.Optional(NullableTimestamp),
  /**
   * Where its files' checksums come from: `original` (read from the original while copying; a
   * manifest is on the tape), `tape` (hashed from the tape by an import: a read-back verifies
   * nothing), `adopted` (hashed from the tape and found equal to the original); null: no files.
   */
  checksumsFrom: Type.Optional(
    Type.Union([
      Type.Literal("original"),
      Type.Literal("tape"),
      Type.Literal("adopted"),
      Type.Null(),
    ]),
  ),
});
export type CatalogFolder = Static<typeof CatalogFolderSchema>;

/** A tape row with the space the catalog has archived on it. */
export const CatalogTapeSchema = Type.Object({
  barcode: Type.String(),
  state: Type.String(),
  cleaning: Type.Boolean(),
  /** Reported by a simulated library ([Device] simulate): a copy on it is no archive. */
  simulated: Type.Boolean(),
  homeSlot: NullableInteger,
  /** What LTFS last reported used (incomplete copies included), or the archived folders' sum if more. */
  usedKiB: Type.Number({ minimum: 0 }),
  /** The tape's own capacity (LTFS's, else the cartridge's) capped by `[General] tape_max_size`. */
  capacityKiB: Type.Number({ minimum: 0 }),
  lastSeenAt: NullableTimestamp,
});
export type CatalogTape = Static<typeof CatalogTapeSchema>;

/** One cartridge the changer found: where it lives and whether it is a cleaning tape. */
export const InventoryCartridgeSchema = Type.Object({
  barcode: Type.String({
    pattern: "^[A-Z0-9]{1,32}$",
    description: "1 to 32 capital letters and digits",
  }),
  homeSlot: NullableInteger,
  cleaning: Type.Boolean(),
  /** The library is a simulation ([Device] simulate); left out: the tape's mark stays as it is. */
  simulated: Type.Optional(Type.Boolean()),
  /** The cartridge's capacity as the library tells it (`[Device] media_capacity`), if it does. */
  capacityKiB: Type.Optional(Type.Integer({ minimum: 1 })),
});

/**
 * One archived file as the catalog records it and hands it to restore and verify. `path` is
 * relative to the archived folder; `mtimeNs` is nanoseconds since the epoch as decimal text
 * (beyond 2^53); `sha256` is 64 lowercase hex digits.
 */
export const CatalogFileSchema = Type.Object({
  path: Type.String({ minLength: 1 }),
  sizeBytes: Type.Integer({ minimum: 0 }),
  mtimeNs: Type.String({ pattern: "^-?[0-9]{1,20}$" }),
  mode: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
  startBlock: NullableInteger,
  partition: Type.Union([Type.Literal("a"), Type.Literal("b"), Type.Null()]),
});
export type CatalogFile = Static<typeof CatalogFileSchema>;

/** Where a page of `folder-files` ended: the last file's place on tape and path. */
export const FolderFilesCursorSchema = Type.Object({
  path: Type.String({ minLength: 1 }),
  startBlock: NullableInteger,
  partition: Type.Union([Type.Literal("a"), Type.Literal("b"), Type.Null()]),
});
export type FolderFilesCursor = Static<typeof FolderFilesCursorSchema>;

/** Files of one request: well below NATS's 1 MiB payload (about 250 bytes a file). */
export const MAX_FILES_PER_REQUEST = 2000;

export const CatalogEventSchema = Type.Object({
  id: Type.Integer(),
  jobId: NullableString,
  kind: Type.String(),
  payload: Type.Unknown(),
  createdAt: TimestampSchema,
});

const Count = Type.Integer({ minimum: 0 });

/** How a run of a job ended, as the job-statistics request counts it. */
export const JOB_RUN_OUTCOMES = ["done", "failed", "aborted"] as const;
export type JobRunOutcome = (typeof JOB_RUN_OUTCOMES)[number];

/**
 * Upper bounds (seconds) of the job duration histogram: from a quick prepare to a two-day
 * restore of a full LTO-9 tape (about 18 TB at 300 MB/s is 17 hours).
 */
export const JOB_DURATION_BUCKETS_SECONDS = [
  10, 30, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400, 172_800,
] as const;

/**
 * An id of `requeue` or `abort` that was not acted on, and why ("not found", "was already
 * queued"); the others in the same command are acted on all the same, as in the original.
 */
/** An id abort or requeue left alone: its catalogue code (UNKNOWN_JOB, ...) and why. */
export const SkippedJobSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  reason: Type.String(),
});

const Empty = Type.Object({});
/* Replies several operations share, declared once so that they are one type. */
const JobReply = Type.Object({ job: CatalogJobSchema });
const JobOrNullReply = Type.Object({ job: Type.Union([CatalogJobSchema, Type.Null()]) });

function operation<Q extends TSchema, R extends TSchema>(op: string, request: Q, reply: R) {
  return {
    op,
    request: defineMessage(`catalog ${op} request`, request),
    reply: defineMessage(`catalog ${op} reply`, reply),
  } as {
    readonly op: string;
    readonly request: MessageDefinition<Static<Q>>;
    readonly reply: MessageDefinition<Static<R>>;
  };
}

/** A batch of files of one folder on one tape, reported by the job that read them. */
const FilesBatchSchema = Type.Object({
  jobId: JobIdSchema,
  attempt: Type.Optional(Type.Integer({ minimum: 1 })),
  path: Type.String({ pattern: "^/" }),
  tape: Type.String({ minLength: 1 }),
  files: Type.Array(CatalogFileSchema, { maxItems: MAX_FILES_PER_REQUEST }),
});

/**
 * Every catalog operation: `CATALOG_REQUESTS["job-create"].op` is the subject token.
 *
 * @example
 * const { job } = await request(nc, subjects(lib).catalog("job-get"), { id: "3fa2b1c0" },
 *   { request: CATALOG_REQUESTS["job-get"].request, reply: CATALOG_REQUESTS["job-get"].reply, service: "catalog" });
 */
export const CATALOG_REQUESTS = {
  /**
   * Running, queued (priority, then age, then insertion) and failed jobs; `recent`: done and
   * aborted jobs of the last 10 minutes, the newest first.
   */
  queue: operation(
    "queue",
    Empty,
    Type.Object({
      running: Type.Array(CatalogJobSchema),
      queued: Type.Array(CatalogJobSchema),
      failed: Type.Array(CatalogJobSchema),
      recent: Type.Optional(Type.Array(CatalogJobSchema)),
    }),
  ),
  /** Finished jobs (done, failed, aborted), the newest end first: `pytarchive history`. */
  "jobs-history": operation(
    "jobs-history",
    Type.Object({
      failedOnly: Type.Optional(Type.Boolean()),
      since: Type.Optional(TimestampSchema),
      limit: Type.Integer({ minimum: 1, maximum: 1000 }),
    }),
    Type.Object({ jobs: Type.Array(CatalogJobSchema) }),
  ),
  "job-get": operation(
    "job-get",
    Type.Object({ id: Type.String({ minLength: 1 }) }),
    JobOrNullReply,
  ),
  /**
   * Queues a job after checking, in the same transaction, what only the catalog knows (folder
   * states, tapes, names and room on tape). A prepare job also records its folder as preparing.
   */
  "job-create": operation(
    "job-create",
    Type.Object({
      kind: JobKindSchema,
      args: ArgsSchema,
      priority: Type.Optional(Type.Integer()),
    }),
    JobReply,
  ),
  "jobs-requeue": operation(
    "jobs-requeue",
    Type.Object({
      ids: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
      all: Type.Optional(Type.Boolean()),
    }),
    Type.Object({
      requeued: Type.Array(CatalogJobSchema),
      /** Ids given that were not requeued (unknown, or not failed), each with why. */
      skipped: Type.Optional(Type.Array(SkippedJobSchema)),
    }),
  ),
  "jobs-abort": operation(
    "jobs-abort",
    Type.Object({ ids: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) }),
    Type.Object({
      aborted: Type.Array(CatalogJobSchema),
      stopRequested: Type.Array(CatalogJobSchema),
      /** Running jobs past their point of no return (e.g. folder archived): they end done. */
      tooLate: Type.Optional(Type.Array(CatalogJobSchema)),
      /** Ids given that were not aborted (unknown, or already finished), each with why. */
      skipped: Type.Optional(Type.Array(SkippedJobSchema)),
    }),
  ),
  "folder-get": operation(
    "folder-get",
    Type.Object({ path: Type.String({ minLength: 1 }) }),
    Type.Object({ folder: Type.Union([CatalogFolderSchema, Type.Null()]) }),
  ),
  /**
   * Every folder the catalog knows, with its state: the originals a restore target must stay
   * apart from, which the gateway compares also with symlinks resolved (older rows are not).
   */
  "folders-list": operation(
    "folders-list",
    Empty,
    Type.Object({
      folders: Type.Array(Type.Object({ path: Type.String(), state: Type.String() })),
    }),
  ),
  /** Exactly the `summary` verb's reply. */
  summary: operation("summary", Empty, SummaryReplySchema),
  "tapes-list": operation(
    "tapes-list",
    Empty,
    Type.Object({ tapes: Type.Array(CatalogTapeSchema) }),
  ),
  /** The changer's inventory: every cartridge it saw, upserted with its home slot. */
  "tapes-record": operation(
    "tapes-record",
    Type.Object({ cartridges: Type.Array(InventoryCartridgeSchema) }),
    Type.Object({
      recorded: Type.Integer({ minimum: 0 }),
      added: Type.Array(Type.String()),
      /** Tapes the catalog had in another library (sharing the catalog): now in this one. */
      moved: Type.Optional(
        Type.Array(Type.Object({ barcode: Type.String(), from: Type.String(), to: Type.String() })),
      ),
    }),
  ),
  /**
   * Archived and verified folders (minus the ignored prefixes); the gateway checks which still
   * exist. `simulated`: every copy of the folder is on a simulated tape.
   */
  "deleteable-candidates": operation(
    "deleteable-candidates",
    Type.Object({ ignore: Type.Optional(Type.Array(Type.String())) }),
    Type.Object({
      folders: Type.Array(
        Type.Object({
          path: Type.String(),
          tape: Type.String(),
          sizeKiB: Type.Number({ minimum: 0 }),
          description: Type.String(),
          archivedAt: NullableTimestamp,
          simulated: Type.Boolean(),
        }),
      ),
    }),
  ),
  /**
   * What the metrics page shows, counted by the database at each scrape (so nothing resets with
   * a restart): jobs waiting, running or failed by kind; every ended run (a job.started event and
   * the job.finished, job.failed or job.aborted event after it) by kind and outcome, with its
   * duration counted into {@link JOB_DURATION_BUCKETS_SECONDS}; what done tape jobs moved per
   * drive; when each kind last ended done; the running jobs and when each last made progress.
   */
  "job-statistics": operation(
    "job-statistics",
    Empty,
    Type.Object({
      states: Type.Array(Type.Object({ state: Type.String(), kind: JobKindSchema, jobs: Count })),
      runs: Type.Array(
        Type.Object({
          kind: JobKindSchema,
          outcome: Type.Union(JOB_RUN_OUTCOMES.map((outcome) => Type.Literal(outcome))),
          count: Count,
          sumSeconds: Type.Number({ minimum: 0 }),
          /** Runs that took at most each bound of JOB_DURATION_BUCKETS_SECONDS (cumulative). */
          buckets: Type.Array(Count),
        }),
      ),
      moved: Type.Array(
        Type.Object({
          drive: Type.Integer({ minimum: 0 }),
          kind: JobKindSchema,
          bytes: Type.Number({ minimum: 0 }),
          files: Count,
        }),
      ),
      lastSuccess: Type.Array(Type.Object({ kind: JobKindSchema, at: TimestampSchema })),
      running: Type.Array(
        Type.Object({
          id: JobIdSchema,
          kind: JobKindSchema,
          drive: NullableInteger,
          /** When its step or progress text last changed (a repeated report is no progress). */
          progressedAt: TimestampSchema,
        }),
      ),
    }),
  ),
  "events-list": operation(
    "events-list",
    Type.Object({
      jobId: Type.Optional(Type.String()),
      afterId: Type.Optional(Type.Integer()),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    }),
    Type.Object({ events: Type.Array(CatalogEventSchema) }),
  ),
  /*
   * Running jobs: the scheduler claims and ends them, workers report progress and what they
   * found. Each change appends an event row and publishes it. `attempt`, when given, must be
   * the job's current attempt: a report from a run that a requeue replaced is refused
   * (JOB_STATE_CONFLICT) instead of changing the new run.
   */
  /**
   * queued → running for the first queued job of `kinds` (priority, then age), atomically; null
   * when none is queued, or when `limit` jobs of these kinds already run.
   */
  "job-claim": operation(
    "job-claim",
    Type.Object({
      kinds: Type.Array(JobKindSchema, { minItems: 1 }),
      /** Who claims, for the `job.started` event: "scheduler@host:pid". */
      worker: Type.String({ minLength: 1 }),
      limit: Type.Optional(Type.Integer({ minimum: 1 })),
    }),
    JobOrNullReply,
  ),
  /**
   * Progress text of a running job; `job: null` when it no longer runs (the worker should stop).
   * The scheduler sets `waitingOn` (the step it sent); a worker's report on that step clears it.
   */
  "job-progress": operation(
    "job-progress",
    Type.Object({
      id: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      step: StepSchema,
      percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
      text: Type.String(),
      ...PROGRESS_COUNTS,
      waitingOn: Type.Optional(StepSchema),
      /** `waitingOn` is the unload retried after the 53/03 recovery. */
      waitingRetry: Type.Optional(Type.Boolean()),
    }),
    JobOrNullReply,
  ),
  /** running → done; `summary` becomes the job's last progress text. */
  "job-finish": operation(
    "job-finish",
    Type.Object({
      id: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      summary: Type.Optional(Type.String()),
    }),
    JobReply,
  ),
  /** running → failed with the worker's error, shown by `pytarchive queue` until requeued. */
  "job-fail": operation(
    "job-fail",
    Type.Object({
      id: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      step: StepSchema,
      error: ErrorInfoSchema,
    }),
    JobReply,
  ),
  /**
   * running → aborted, once the job's worker honoured `pytarchive abort` and cleaned up. Only a
   * job whose abort was requested. An aborted prepare job forgets its folder while preparing.
   */
  "job-abort-ack": operation(
    "job-abort-ack",
    Type.Object({
      id: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      reason: Type.Optional(Type.String()),
    }),
    JobReply,
  ),
  /**
   * A running prepare job measured (and maybe packed) its folder: the folder becomes prepared.
   * `sizeKiB` is the archive's when `compressed`.
   */
  "folder-prepared": operation(
    "folder-prepared",
    Type.Object({
      jobId: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      path: Type.String({ pattern: "^/" }),
      sizeKiB: Type.Integer({ minimum: 0 }),
      /** Files' lengths (the archive's when packed): the room it needs on LTFS. */
      apparentBytes: Type.Optional(Type.Integer({ minimum: 0 })),
      fileCount: Type.Integer({ minimum: 0 }),
      compressed: Type.Boolean(),
      archivePath: Type.Union([Type.String({ pattern: "^/" }), Type.Null()]),
    }),
    Type.Object({ folder: CatalogFolderSchema }),
  ),
  /**
   * The job working on a folder failed (or was aborted): a folder still preparing becomes
   * failed with the error; one being archived goes back to prepared (failed only when its
   * packed archive is gone, ARCHIVE_PACK_MISSING). Any other folder is left as it is
   * (`changed: false`).
   */
  "folder-failed": operation(
    "folder-failed",
    Type.Object({
      jobId: JobIdSchema,
      path: Type.String({ pattern: "^/" }),
      error: ErrorInfoSchema,
    }),
    Type.Object({
      folder: Type.Union([CatalogFolderSchema, Type.Null()]),
      changed: Type.Boolean(),
    }),
  ),
  /**
   * queued → running for the job `id` (the scheduler picked it for `drive`), atomically: null when
   * it is no longer queued. Like `job-claim`, counts an attempt and publishes `job.started`.
   */
  "job-start": operation(
    "job-start",
    Type.Object({
      id: JobIdSchema,
      worker: Type.String({ minLength: 1 }),
      drive: NullableInteger,
    }),
    JobOrNullReply,
  ),
  /**
   * A running tape job failed at `step`: the error is kept as the job's `pendingError` (the job
   * stays running while its drive is released) and shown as its progress. `job-fail` later ends it.
   */
  "job-failing": operation(
    "job-failing",
    Type.Object({
      id: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      step: StepSchema,
      error: ErrorInfoSchema,
    }),
    JobReply,
  ),
  /**
   * A running archive job begins: the folder (prepared, failed by an earlier attempt, or already
   * archiving in this job) becomes archiving under `targetName`. Publishes `folder.archiving`.
   */
  "folder-archiving": operation(
    "folder-archiving",
    Type.Object({
      jobId: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      path: Type.String({ pattern: "^/" }),
      tape: Type.String({ minLength: 1 }),
      targetName: Type.String({ minLength: 1 }),
    }),
    Type.Object({ folder: CatalogFolderSchema }),
  ),
  /**
   * Files of a folder being archived (sent while they are read back), in batches of at most
   * MAX_FILES_PER_REQUEST. A file already recorded (same path) is replaced: a repeated batch is
   * harmless. The folder must be archiving; it is archived only by `folder-archived`, after the
   * read-back matched, and its files are forgotten if the archive fails or is aborted.
   */
  "files-record": operation(
    "files-record",
    FilesBatchSchema,
    Type.Object({ recorded: Type.Integer({ minimum: 0 }) }),
  ),
  /**
   * archiving → archived on `tape`, verified at `verifiedAt`: only when exactly `fileCount` files
   * are recorded for the folder (else FILES_INCOMPLETE, nothing changes). Publishes `folder.archived`.
   */
  "folder-archived": operation(
    "folder-archived",
    Type.Object({
      jobId: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      path: Type.String({ pattern: "^/" }),
      tape: Type.String({ minLength: 1 }),
      fileCount: Type.Integer({ minimum: 0 }),
      verifiedAt: TimestampSchema,
    }),
    Type.Object({ folder: CatalogFolderSchema }),
  ),
  /**
   * An archived folder's files in tape order (partition, start block; empty files last), a page at
   * a time: the first page (no `after`) also gives the folder's `total`; each reply's `next` is
   * the `after` of the following page, null after the last one.
   */
  "folder-files": operation(
    "folder-files",
    Type.Object({
      path: Type.String({ pattern: "^/" }),
      after: Type.Optional(FolderFilesCursorSchema),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_FILES_PER_REQUEST })),
    }),
    Type.Object({
      files: Type.Array(CatalogFileSchema),
      total: Type.Optional(Type.Integer({ minimum: 0 })),
      next: Type.Union([FolderFilesCursorSchema, Type.Null()]),
    }),
  ),
  /** A tape and the folders the catalog has archived on it (for the mount's consistency check and `verify TAPE`). */
  "tape-contents": operation(
    "tape-contents",
    Type.Object({ barcode: Type.String({ minLength: 1 }) }),
    Type.Object({
      tape: Type.Union([CatalogTapeSchema, Type.Null()]),
      folders: Type.Array(CatalogFolderSchema),
    }),
  ),
  /**
   * What the ltfs service learnt about a tape: formatted (state blank → formatted, with its volume
   * serial), LTFS's used and total space, or full. Fields left out stay as they are.
   */
  "tape-update": operation(
    "tape-update",
    Type.Object({
      barcode: Type.String({ minLength: 1 }),
      jobId: Type.Optional(JobIdSchema),
      state: Type.Optional(
        Type.Union([Type.Literal("formatted"), Type.Literal("full"), Type.Literal("blank")]),
      ),
      volumeSerial: Type.Optional(Type.String({ minLength: 1 })),
      usedKiB: Type.Optional(Type.Integer({ minimum: 0 })),
      capacityKiB: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
    Type.Object({ tape: CatalogTapeSchema }),
  ),
  /**
   * An import-tape job found a folder on its tape. `new`: recorded as archiving on the tape (its
   * files follow with `import-files-record`, then `folder-import-done`); `resume`: an earlier run
   * of this import left it so; `known`: the catalog has it archived on this tape under this name
   * (nothing changed: the job compares); `fill`: the catalog has it archived here without files
   * (the original's database.json): the job records them; `taken`: the path is elsewhere, or another
   * folder under this name on this tape (nothing changed; `detail` says what).
   */
  "folder-import": operation(
    "folder-import",
    Type.Object({
      jobId: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      tape: Type.String({ minLength: 1 }),
      path: Type.String({ pattern: "^/" }),
      targetName: Type.String({ minLength: 1 }),
      description: Type.String(),
      sizeKiB: Type.Integer({ minimum: 0 }),
      apparentBytes: Type.Integer({ minimum: 0 }),
      fileCount: Type.Integer({ minimum: 0 }),
      compressed: Type.Boolean(),
      archivedAt: TimestampSchema,
      checksumsFrom: Type.Union([Type.Literal("original"), Type.Literal("tape")]),
    }),
    Type.Object({
      status: Type.Union([
        Type.Literal("new"),
        Type.Literal("resume"),
        Type.Literal("known"),
        Type.Literal("fill"),
        Type.Literal("taken"),
      ]),
      folder: Type.Union([CatalogFolderSchema, Type.Null()]),
      detail: NullableString,
    }),
  ),
  /**
   * Files read from a tape: of a folder an import-tape job is recording (archiving on its tape),
   * or of an archived folder a `verify --adopt` job compared with its original. A file already
   * recorded under the same path is replaced. At most MAX_FILES_PER_REQUEST a request.
   */
  "import-files-record": operation(
    "import-files-record",
    FilesBatchSchema,
    Type.Object({ recorded: Type.Integer({ minimum: 0 }) }),
  ),
  /**
   * The import of a folder is complete: archiving → archived on the tape, not verified
   * (verifiedAt null), when exactly `fileCount` files are recorded (else FILES_INCOMPLETE).
   * Publishes `folder.imported`.
   */
  "folder-import-done": operation(
    "folder-import-done",
    Type.Object({
      jobId: JobIdSchema,
      attempt: Type.Optional(Type.Integer({ minimum: 1 })),
      path: Type.String({ pattern: "^/" }),
      tape: Type.String({ minLength: 1 }),
      fileCount: Type.Integer({ minimum: 0 }),
    }),
    Type.Object({ folder: CatalogFolderSchema }),
  ),
  /**
   * A fixity check (`verify`) of an archived folder: `ok` sets its verifiedAt, a failure clears it
   * (so `deleteable` no longer offers the original) and records the problems. Publishes
   * `folder.verified` or `folder.verify-failed`.
   */
  "folder-verified": operation(
    "folder-verified",
    Type.Object({
      jobId: JobIdSchema,
      path: Type.String({ pattern: "^/" }),
      ok: Type.Boolean(),
      at: TimestampSchema,
      /** What was wrong, one line each (at most a few hundred), when not ok. */
      problems: Type.Optional(Type.Array(Type.String())),
      /**
       * A `verify --adopt` compared every file on the tape with the original: when ok, the files
       * it recorded have the original's checksums (checksumsFrom becomes `adopted`).
       */
      adopted: Type.Optional(Type.Boolean()),
    }),
    Type.Object({ folder: CatalogFolderSchema }),
  ),
  /**
   * Records entries of the original pytarchive's database and queue, each once: folders
   * (archived ones not verified), their tapes (not in the library until seen), and jobs.
   */
  "legacy-import": operation("legacy-import", LegacyImportRequestSchema, LegacyImportReplySchema),
} as const;

export type CatalogOperation = keyof typeof CATALOG_REQUESTS;
export type CatalogRequest<O extends CatalogOperation> =
  (typeof CATALOG_REQUESTS)[O]["request"] extends MessageDefinition<infer T> ? T : never;
export type CatalogReply<O extends CatalogOperation> =
  (typeof CATALOG_REQUESTS)[O]["reply"] extends MessageDefinition<infer T> ? T : never;

/** Event kind published when a running job is asked to stop (its worker then cleans up). */
export const JOB_ABORT_REQUESTED = "job.abort-requested";

/** A running job was asked to stop by `pytarchive abort`; its worker stops, cleans up, marks it aborted. */
export const JobAbortRequested = defineMessage(
  JOB_ABORT_REQUESTED,
  Type.Object({ jobId: JobIdSchema, at: TimestampSchema }),
);

/** Events of a folder's life that the catalog records and publishes. */
export const FOLDER_EVENTS = {
  prepared: "folder.prepared",
  failed: "folder.failed",
  archiving: "folder.archiving",
  archived: "folder.archived",
  verified: "folder.verified",
  verifyFailed: "folder.verify-failed",
  imported: "folder.imported",
} as const;

/** A prepare job measured its folder (and packed it when `compressed`). */
export const FolderPrepared = defineMessage(
  FOLDER_EVENTS.prepared,
  Type.Object({
    jobId: JobIdSchema,
    path: Type.String(),
    sizeKiB: Type.Integer({ minimum: 0 }),
    fileCount: Type.Integer({ minimum: 0 }),
    compressed: Type.Boolean(),
    archivePath: Type.Union([Type.String(), Type.Null()]),
    at: TimestampSchema,
  }),
);

/** The job working on a folder failed, and the folder is marked failed with its error. */
export const FolderFailed = defineMessage(
  FOLDER_EVENTS.failed,
  Type.Object({
    jobId: JobIdSchema,
    path: Type.String(),
    error: ErrorInfoSchema,
    at: TimestampSchema,
  }),
);

/**
 * A running archive job began writing a folder to tape under `targetName` (again, for a later
 * attempt): the folder is archiving and its file list starts empty.
 */
export const FolderArchiving = defineMessage(
  FOLDER_EVENTS.archiving,
  Type.Object({
    jobId: JobIdSchema,
    attempt: Type.Integer({ minimum: 1 }),
    path: Type.String(),
    tape: Type.String(),
    targetName: Type.String(),
    at: TimestampSchema,
  }),
);

/** A folder was written, read back and checked: it is archived on `tape` with `fileCount` files. */
export const FolderArchived = defineMessage(
  FOLDER_EVENTS.archived,
  Type.Object({
    jobId: JobIdSchema,
    attempt: Type.Integer({ minimum: 1 }),
    path: Type.String(),
    tape: Type.String(),
    targetName: Type.String(),
    fileCount: Type.Integer({ minimum: 0 }),
    verifiedAt: TimestampSchema,
    at: TimestampSchema,
  }),
);

/** A fixity check of an archived folder passed at `at`. */
export const FolderVerified = defineMessage(
  FOLDER_EVENTS.verified,
  Type.Object({
    jobId: JobIdSchema,
    path: Type.String(),
    tape: Type.String(),
    at: TimestampSchema,
  }),
);

/** A fixity check of an archived folder failed at `at`: what was wrong, one line each. */
export const FolderVerifyFailed = defineMessage(
  FOLDER_EVENTS.verifyFailed,
  Type.Object({
    jobId: JobIdSchema,
    path: Type.String(),
    tape: Type.String(),
    problems: Type.Array(Type.String()),
    at: TimestampSchema,
  }),
);

/**
 * An import-tape job recorded a folder it found on its tape: archived, not verified. `checksumsFrom`
 * says whether its checksums came from a manifest (the original's) or were hashed from the tape.
 */
export const FolderImported = defineMessage(
  FOLDER_EVENTS.imported,
  Type.Object({
    jobId: JobIdSchema,
    path: Type.String(),
    tape: Type.String(),
    targetName: Type.String(),
    fileCount: Type.Integer({ minimum: 0 }),
    checksumsFrom: Type.Union([
      Type.Literal("original"),
      Type.Literal("tape"),
      Type.Literal("adopted"),
      Type.Null(),
    ]),
    at: TimestampSchema,
  }),
);
