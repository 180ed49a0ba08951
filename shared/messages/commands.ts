import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { DriveBlockSchema } from "./changer-moves.ts";
import { JobIdSchema, TimestampSchema } from "./common-schemas.ts";
import { defineMessage, type MessageDefinition } from "./define-message.ts";
import { LegacyImportReplySchema, LegacyImportRequestSchema } from "./legacy-import.ts";
import { ProgressFiguresSchema } from "./progress-figures.ts";

/*
 * The command contract between the `pytarchive` CLI and the gateway (this file is its reference;
 * docs/errors.md lists the error codes a reply may carry).
 * One request and one reply schema per verb, sent as JSON on `subjects(lib).command(verb)`.
 * Paths are checked for shape only here (a string); the gateway decides what is valid and answers
 * PATH_NOT_ABSOLUTE, FOLDER_NOT_FOUND, ... with a message the operator can act on.
 */

/** Queue priority: lower runs first. Omitted means the verb's default (prepare 0 … inventory 200). */
const OptionalPriority = Type.Optional(Type.Integer({ description: "an integer priority" }));

/** A path as the operator typed it; the gateway checks it is absolute and exists. */
const PathArgument = Type.String({ minLength: 1 });

/** Reply of every verb that creates a job: `{ jobId: "3fa2b1c0", message: "queued as 3fa2b1c0" }`. */
const JobQueuedReplySchema = Type.Object({
  jobId: JobIdSchema,
  message: Type.String(),
});

const PrepareRequestSchema = Type.Object({
  folder: PathArgument,
  description: Type.String(),
  compress: Type.Boolean(),
  priority: OptionalPriority,
});

const ArchiveRequestSchema = Type.Object({
  folder: PathArgument,
  tape: Type.String({ minLength: 1 }),
  /** Name on tape; default: the last three path parts joined by `_`. */
  targetName: Type.Optional(Type.String()),
  priority: OptionalPriority,
});

const RestoreRequestSchema = Type.Object({
  folder: PathArgument,
  target: PathArgument,
  subfolder: Type.Optional(Type.String()),
  priority: OptionalPriority,
});

const ExploreRequestSchema = Type.Object({
  tape: Type.String({ minLength: 1 }),
  /** How long the tape stays exported; default 600. */
  seconds: Type.Optional(Type.Integer({ minimum: 1 })),
  email: Type.Optional(Type.String({ minLength: 1 })),
  priority: OptionalPriority,
});

const InventoryRequestSchema = Type.Object({
  /** Default: `[General] source_folders`. */
  folders: Type.Optional(Type.Array(PathArgument)),
  priority: OptionalPriority,
});

const VerifyRequestSchema = Type.Object({
  /** An absolute folder path (an archived folder) or a tape barcode. */
  target: Type.String({ minLength: 1 }),
  /** Compare what is on tape with the original (archived, not verified folders), not the catalog. */
  adopt: Type.Optional(Type.Boolean()),
  priority: OptionalPriority,
});

const ImportTapeRequestSchema = Type.Object({
  /** Barcodes of the tapes to import; or `all`. */
  tapes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  /** Every data tape in the library (the catalog's tapes with a home slot). */
  all: Type.Optional(Type.Boolean()),
  priority: OptionalPriority,
});

/** One job per tape: `{ jobs: [{ tape: "AAK788L9", jobId: "3fa2b1c0" }], message }`. */
const ImportTapeReplySchema = Type.Object({
  jobs: Type.Array(Type.Object({ tape: Type.String(), jobId: JobIdSchema })),
  message: Type.String(),
});

const EmptyRequestSchema = Type.Object({});

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
const NullableTimestamp = Type.Union([TimestampSchema, Type.Null()]);

/** One line of `pytarchive queue`. */
export const QueueJobSchema = Type.Object({
  id: JobIdSchema,
  kind: Type.String(),
  priority: Type.Integer(),
  state: Type.String(),
  /** As the original words it: "Archiving folder: /x to tape AAK788L9". */
  description: Type.String(),
  progress: NullableString,
  /** The same progress as numbers (percent, bytes, files, rate, time left); null: none yet. */
  progressFigures: Type.Optional(Type.Union([ProgressFiguresSchema, Type.Null()])),
  error: NullableString,
  attempts: Type.Integer({ minimum: 0 }),
  createdAt: TimestampSchema,
  args: Type.Record(Type.String(), Type.Unknown()),
  /** A running job was asked to stop and has not stopped yet. */
  abortRequested: Type.Optional(Type.Boolean()),
  /** The drive a running tape job holds (or a failed one held), for `pytarchive clear-drive`. */
  drive: Type.Optional(NullableInteger),
  /** When a finished job ended (the `recent` list). */
  finishedAt: Type.Optional(NullableTimestamp),
});
export type QueueJob = Static<typeof QueueJobSchema>;

const QueueReplySchema = Type.Object({
  running: Type.Array(QueueJobSchema),
  queued: Type.Array(QueueJobSchema),
  failed: Type.Array(QueueJobSchema),
  /** Done and aborted tasks of the last 10 minutes, the newest first: their last outcome. */
  recent: Type.Optional(Type.Array(QueueJobSchema)),
});

/** One task by its id, running or ended (`pytarchive watch ID` asks for it every second). */
const JobRequestSchema = Type.Object({ id: Type.String({ minLength: 1 }) });
const JobReplySchema = Type.Object({ job: QueueJobSchema });

/** Most jobs one `history` request lists. */
export const HISTORY_MAX_LIMIT = 1000;
/** Jobs `history` lists when no `--limit` is given. */
export const HISTORY_DEFAULT_LIMIT = 50;

const HistoryRequestSchema = Type.Object({
  /** Only failed jobs. */
  failed: Type.Optional(Type.Boolean()),
  /** Only jobs that ended at or after this time (ISO 8601). */
  since: Type.Optional(Type.String({ minLength: 1 })),
  /** At most this many, the newest; default 50. */
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_MAX_LIMIT })),
});

/** One finished job as `pytarchive history` lists it. */
export const HistoryJobSchema = Type.Object({
  id: JobIdSchema,
  kind: Type.String(),
  /** done, failed or aborted. */
  outcome: Type.String(),
  description: Type.String(),
  /** Why it failed (code: message, then what to do); null unless failed. */
  error: NullableString,
  /** Its last progress text (a done job's summary). */
  summary: NullableString,
  createdAt: TimestampSchema,
  startedAt: NullableTimestamp,
  finishedAt: TimestampSchema,
  /** What it read, wrote or checked; null when it moves no files or did not finish. */
  bytes: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  files: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  attempts: Type.Integer({ minimum: 0 }),
  args: Type.Record(Type.String(), Type.Unknown()),
});
export type HistoryJob = Static<typeof HistoryJobSchema>;

const HistoryReplySchema = Type.Object({ jobs: Type.Array(HistoryJobSchema) });

/** A folder on a tape, as `pytarchive summary` lists it. */
export const SummaryFolderSchema = Type.Object({
  path: Type.String(),
  /** Name on tape. */
  name: Type.String(),
  sizeKiB: Type.Number({ minimum: 0 }),
  description: Type.String(),
  archivedAt: NullableTimestamp,
  /** Every copy of the folder is on a simulated tape: it is not archived for real. */
  simulated: Type.Boolean(),
  /**
   * false: archived, not verified (the original pytarchive archived it and nothing has read it
   * back against checksums yet); `deleteable` leaves it out.
   */
  verified: Type.Optional(Type.Boolean()),
  /**
   * true: its last verification found the copy on tape different from the catalog (or the
   * original): keep the original. Absent otherwise.
   */
  verifyFailed: Type.Optional(Type.Literal(true)),
  /**
   * "tape": its checksums were taken from the tape by `import-tape` (written without a
   * manifest), so they say nothing about the original until `verify --adopt`. Absent otherwise.
   */
  checksumsFrom: Type.Optional(Type.Literal("tape")),
});

export const SummaryTapeSchema = Type.Object({
  barcode: Type.String(),
  /** A tape of a simulated library ([Device] simulate). */
  simulated: Type.Boolean(),
  usedKiB: Type.Number({ minimum: 0 }),
  capacityKiB: Type.Number({ minimum: 0 }),
  /** 0-100 with one decimal. */
  percent: Type.Number({ minimum: 0 }),
  folders: Type.Array(SummaryFolderSchema),
});

export const PreparedFolderSchema = Type.Object({
  path: Type.String(),
  description: Type.String(),
  sizeKiB: Type.Number({ minimum: 0 }),
  /** null: not counted (the original pytarchive measured it, and counted no files). */
  fileCount: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  compressed: Type.Boolean(),
  /** The fullest tape where the folder still fits; null if none. */
  suggestedTape: NullableString,
  /** When its size was measured (the original's "as of" date); null when unknown. */
  measuredAt: Type.Optional(NullableTimestamp),
});

/** A folder the original's summary listed under [preparing]: its prepare job has not ended. */
export const PreparingFolderSchema = Type.Object({
  path: Type.String(),
  description: Type.String(),
});

/** A prepared folder whose archive job is queued or running (the original's [archiving_queued]). */
export const ArchivingFolderSchema = Type.Object({
  path: Type.String(),
  description: Type.String(),
  sizeKiB: Type.Number({ minimum: 0 }),
  measuredAt: NullableTimestamp,
  tape: Type.String(),
  jobId: JobIdSchema,
  /** queued or running. */
  state: Type.String(),
});

export const SummaryReplySchema = Type.Object({
  tapeMaxSizeKiB: Type.Number({ minimum: 0 }),
  tapes: Type.Array(SummaryTapeSchema),
  prepared: Type.Array(PreparedFolderSchema),
  preparing: Type.Optional(Type.Array(PreparingFolderSchema)),
  /** Queued for archiving (the job queued or running), each with the tape it goes to. */
  archiving: Type.Optional(Type.Array(ArchivingFolderSchema)),
});
export type SummaryReply = Static<typeof SummaryReplySchema>;

const DeleteableRequestSchema = Type.Object({
  /** Path prefixes to leave out. */
  ignore: Type.Optional(Type.Array(Type.String())),
});

export const DeleteableFolderSchema = Type.Object({
  path: Type.String(),
  tape: Type.String(),
  sizeKiB: Type.Number({ minimum: 0 }),
  description: Type.String(),
  archivedAt: NullableTimestamp,
});

export const UncheckedFolderSchema = Type.Object({
  path: Type.String(),
  tape: Type.String(),
  /** "timed out after 2 s", or the error met while checking. */
  reason: Type.String(),
});

/** Archived, verified and still there, but only on simulated tapes: never safe to delete. */
export const SimulatedOnlyFolderSchema = DeleteableFolderSchema;

const DeleteableReplySchema = Type.Object({
  deleteable: Type.Array(DeleteableFolderSchema),
  unchecked: Type.Array(UncheckedFolderSchema),
  simulatedOnly: Type.Array(SimulatedOnlyFolderSchema),
});

/** `absent`: the library was read and does not hold the tape; `unknown`: it could not be read. */
export const TAPE_LOCATIONS = ["slot", "drive", "absent", "unknown"] as const;
export type TapeLocation = (typeof TAPE_LOCATIONS)[number];

export const TapeListingSchema = Type.Object({
  barcode: Type.String(),
  location: Type.Union(TAPE_LOCATIONS.map((location) => Type.Literal(location))),
  slot: NullableInteger,
  drive: NullableInteger,
  cleaning: Type.Boolean(),
  /** A tape of a simulated library ([Device] simulate): a loop image, not a cartridge. */
  simulated: Type.Boolean(),
  state: Type.String(),
  usedKiB: Type.Number({ minimum: 0 }),
  capacityKiB: Type.Number({ minimum: 0 }),
});
export type TapeListing = Static<typeof TapeListingSchema>;

const TapesReplySchema = Type.Object({ tapes: Type.Array(TapeListingSchema) });

const RequeueRequestSchema = Type.Object({
  /** Exactly one of `ids` and `all`. */
  ids: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  all: Type.Optional(Type.Boolean()),
});

/** An id given to `requeue` or `abort` that was not acted on, with why (the others were). */
/** An id abort or requeue left alone: the catalogue's code (UNKNOWN_JOB, JOB_STATE_CONFLICT, ...) and why. */
const SkippedIdSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  message: Type.String(),
});

const RequeueReplySchema = Type.Object({
  requeued: Type.Array(JobIdSchema),
  /** Ids not requeued, each with why ("not found", "was already queued"). */
  skipped: Type.Optional(Type.Array(SkippedIdSchema)),
});

const AbortRequestSchema = Type.Object({
  ids: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
});

const AbortReplySchema = Type.Object({
  aborted: Type.Array(JobIdSchema),
  stopRequested: Type.Array(JobIdSchema),
  /**
   * Running tasks past their point of no return (an archive whose folder is read back and in
   * the catalog): not aborted, they end done. `message`: "too late: archived".
   */
  tooLate: Type.Optional(Type.Array(Type.Object({ id: JobIdSchema, message: Type.String() }))),
  /** Ids not aborted, each with why ("not found", "has already finished"). */
  skipped: Type.Optional(Type.Array(SkippedIdSchema)),
});

const ClearDriveRequestSchema = Type.Object({
  /** The drive's element number, as `pytarchive tapes` and the job's error name it. */
  drive: Type.Integer({ minimum: 0 }),
});

const ClearDriveReplySchema = Type.Object({
  drive: Type.Integer({ minimum: 0 }),
  wasBlocked: Type.Boolean(),
  /** Why it was blocked, when it was. */
  reason: NullableString,
  message: Type.String(),
});

/** A drive as `pytarchive library` shows it: mtx's view, the mounts now, its block, its task. */
export const LibraryDriveSchema = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  full: Type.Boolean(),
  /** null when the drive is empty or its tape has no readable label. */
  barcode: NullableString,
  /** The slot the tape was loaded from, as mtx says; null when empty or unknown. */
  sourceSlot: NullableInteger,
  cleaning: Type.Boolean(),
  /** `[Drive n]` mount point; null when the drive is not configured (mounts then unknown). */
  mountPoint: NullableString,
  /** Something is mounted at the mount point now; null when not configured. */
  mounted: Type.Union([Type.Boolean(), Type.Null()]),
  /** LTFS processes serving the drive now. */
  ltfsPids: Type.Array(Type.Integer()),
  /** Why it takes no moves until `pytarchive clear-drive N`; null when it takes them. */
  blocked: Type.Union([DriveBlockSchema, Type.Null()]),
  /** The running task that holds the drive, when the catalog says so. */
  job: Type.Union([
    Type.Object({ id: JobIdSchema, kind: Type.String(), description: Type.String() }),
    Type.Null(),
  ]),
});
export type LibraryDrive = Static<typeof LibraryDriveSchema>;

export const LibrarySlotSchema = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  full: Type.Boolean(),
  barcode: NullableString,
  importExport: Type.Boolean(),
  cleaning: Type.Boolean(),
});

/** `pytarchive library`: the library now, as the changer read it (`readAt`). */
export const LibraryReplySchema = Type.Object({
  device: Type.String(),
  /** A simulated library (`[Device] simulate`): its tapes are loop images, not an archive. */
  simulated: Type.Boolean(),
  driveCount: Type.Integer({ minimum: 0 }),
  slotCount: Type.Integer({ minimum: 0 }),
  importExportCount: Type.Integer({ minimum: 0 }),
  truncated: Type.Boolean(),
  readAt: TimestampSchema,
  drives: Type.Array(LibraryDriveSchema),
  slots: Type.Array(LibrarySlotSchema),
  /** What could not be found out (e.g. the catalog did not answer: tasks are not shown). */
  notes: Type.Array(Type.String()),
});
export type LibraryReply = Static<typeof LibraryReplySchema>;

function command<Q extends TSchema, R extends TSchema>(verb: string, request: Q, reply: R) {
  return {
    request: defineMessage(`${verb} request`, request),
    reply: defineMessage(`${verb} reply`, reply),
  } as {
    readonly request: MessageDefinition<Static<Q>>;
    readonly reply: MessageDefinition<Static<R>>;
  };
}

/**
 * Request and reply schema of every CLI verb, keyed by the verb (= the subject token).
 *
 * @example
 * const reply = await request(nc, subjects(lib).command("archive"), { folder: "/x", tape: "AAK788L9" },
 *   { request: COMMANDS.archive.request, reply: COMMANDS.archive.reply, service: "gateway" });
 * reply.message; // "queued as 3fa2b1c0"
 */
export const COMMANDS = {
  prepare: command("prepare", PrepareRequestSchema, JobQueuedReplySchema),
  archive: command("archive", ArchiveRequestSchema, JobQueuedReplySchema),
  restore: command("restore", RestoreRequestSchema, JobQueuedReplySchema),
  explore: command("explore", ExploreRequestSchema, JobQueuedReplySchema),
  inventory: command("inventory", InventoryRequestSchema, JobQueuedReplySchema),
  verify: command("verify", VerifyRequestSchema, JobQueuedReplySchema),
  "import-tape": command("import-tape", ImportTapeRequestSchema, ImportTapeReplySchema),
  queue: command("queue", EmptyRequestSchema, QueueReplySchema),
  history: command("history", HistoryRequestSchema, HistoryReplySchema),
  summary: command("summary", EmptyRequestSchema, SummaryReplySchema),
  deleteable: command("deleteable", DeleteableRequestSchema, DeleteableReplySchema),
  tapes: command("tapes", EmptyRequestSchema, TapesReplySchema),
  requeue: command("requeue", RequeueRequestSchema, RequeueReplySchema),
  abort: command("abort", AbortRequestSchema, AbortReplySchema),
  "clear-drive": command("clear-drive", ClearDriveRequestSchema, ClearDriveReplySchema),
  library: command("library", EmptyRequestSchema, LibraryReplySchema),
  "import-legacy": command("import-legacy", LegacyImportRequestSchema, LegacyImportReplySchema),
  job: command("job", JobRequestSchema, JobReplySchema),
} as const;

export type CommandVerb = keyof typeof COMMANDS;
/** Every verb, in the order `pytarchive --help` lists them. */
export const COMMAND_VERBS = Object.keys(COMMANDS) as CommandVerb[];
/** Verbs that create a job and reply `{ jobId, message }`. */
export const JOB_COMMAND_VERBS = [
  "prepare",
  "archive",
  "restore",
  "explore",
  "inventory",
  "verify",
] as const satisfies readonly CommandVerb[];

export type CommandRequest<V extends CommandVerb> =
  (typeof COMMANDS)[V]["request"] extends MessageDefinition<infer T> ? T : never;
export type CommandReply<V extends CommandVerb> =
  (typeof COMMANDS)[V]["reply"] extends MessageDefinition<infer T> ? T : never;

/** Default seconds a tape stays exported by `explore`, as the original. */
export const DEFAULT_EXPLORE_SECONDS = 600;
