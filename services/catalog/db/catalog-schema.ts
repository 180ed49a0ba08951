import type { ColumnType, Generated, GeneratedAlways, Selectable } from "kysely";

/*
 * The catalog's tables as TypeScript sees them. Names are camelCase here and snake_case in
 * PostgreSQL; kysely's CamelCasePlugin (set up in open-catalog-database.ts) translates.
 *
 * Every int8 (bigint) column is read as a JS `number` on both PostgreSQL and PGlite: both drivers
 * get the same int8 parser (type-parsers.ts). Sizes in bytes or KiB stay far below 2^53.
 */

export const FOLDER_STATES = ["preparing", "prepared", "archiving", "archived", "failed"] as const;
export type FolderState = (typeof FOLDER_STATES)[number];

export const TAPE_STATES = ["blank", "formatted", "full", "retired"] as const;
export type TapeState = (typeof TAPE_STATES)[number];

/** LTO media generations as the barcode's last two characters name them (M8 is LTO-7 Type M). */
export const TAPE_GENERATIONS = ["L5", "L6", "L7", "M8", "L8", "L9", "L10"] as const;
export type TapeGeneration = (typeof TAPE_GENERATIONS)[number];

export const TAPE_PARTITIONS = ["a", "b"] as const;
/** LTFS partition a file's data starts on: `a` is the index partition, `b` the data partition. */
export type TapePartition = (typeof TAPE_PARTITIONS)[number];

// One list of job kinds for messages and the database (the migration's CHECK spells them out).
import { JOB_KINDS, type JobKind } from "../../../shared/messages/index.ts";

export { JOB_KINDS, type JobKind };

// Job states and their transitions live in the one state machine module.
import { JOB_STATES, type JobState } from "../job-states.ts";

export { JOB_STATES, type JobState };

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Timestamps the database sets itself (`clock_timestamp()` default) but that updates may change. */
type DefaultedTimestamp = Generated<Date>;

export interface FoldersTable {
  id: GeneratedAlways<number>;
  /** Absolute path of the original folder; one row per original folder. */
  path: string;
  /** Name of the folder on tape (`archive -t NAME`); null until an archive job chose it. */
  targetName: string | null;
  description: string;
  state: FolderState;
  /** Why the folder is `failed`; null otherwise. */
  error: string | null;
  sizeKib: number | null;
  /** Files' lengths in bytes (the archive's when packed): what the folder takes on LTFS. */
  apparentBytes: number | null;
  fileCount: number | null;
  /** Whether the folder is written as one tar archive (`archivePath`) instead of file by file. */
  compressed: Generated<boolean>;
  archivePath: string | null;
  /** Tape holding the folder; null until the folder is archived. */
  tapeBarcode: string | null;
  verifiedAt: Date | null;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
  archivedAt: Date | null;
  /** When its size was measured (prepare; the original's `size_queried` when imported). */
  measuredAt: Date | null;
  /**
   * Where the files' checksums come from: `original` (read from the original while copying; the
   * folder has a manifest on its tape), `tape` (hashed from the tape by an import: a read-back
   * verifies nothing), `adopted` (hashed from the tape, then found equal to the original by
   * `verify --adopt`); null: no files recorded. Migration 0008.
   */
  checksumsFrom: Generated<ChecksumSource | null>;
}

export const CHECKSUM_SOURCES = ["original", "tape", "adopted"] as const;
export type ChecksumSource = (typeof CHECKSUM_SOURCES)[number];

export interface TapesTable {
  barcode: string;
  /**
   * The library (`[NATS] library_id`) the tape is in: the one whose changer last saw it, or
   * whose catalog first recorded it (an import of the original's database). Migration 0009.
   */
  libraryId: string;
  volumeSerial: string | null;
  volumeUuid: string | null;
  generation: TapeGeneration | null;
  state: Generated<TapeState>;
  cleaning: Generated<boolean>;
  /** Reported by a simulated library ([Device] simulate): a copy on it is no archive. */
  simulated: Generated<boolean>;
  /** Space used as LTFS last reported it; the catalog's own sum is `getArchivedKiB`. */
  usedKib: number | null;
  capacityKib: number | null;
  homeSlot: number | null;
  formattedAt: Date | null;
  lastSeenAt: Date | null;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

export interface FilesTable {
  id: GeneratedAlways<number>;
  folderId: number;
  /** Path below the folder's root, without a leading slash. */
  relativePath: string;
  sizeBytes: number;
  /**
   * Modification time in nanoseconds since the epoch (int8). Select it as text and convert
   * (files-repository.ts does): most values exceed 2^53 and would otherwise arrive as `bigint`
   * or `number` depending on their size. Written as a decimal string.
   */
  mtimeNs: ColumnType<number | bigint, string, string>;
  mode: number;
  /** SHA-256 of the content, 64 lowercase hex digits; null until computed. */
  checksum: string | null;
  tapeBarcode: string;
  /** LTFS `ltfs.startblock`; null for empty files (they have no extent). */
  startBlock: number | null;
  partition: TapePartition | null;
}

export interface JobsTable {
  /** Eight lowercase hex digits, e.g. `3fa2b1c0`. */
  id: string;
  kind: JobKind;
  /** The command's arguments as the gateway validated them. */
  args: ColumnType<JsonObject, string, string>;
  /** The library (`[NATS] library_id`) whose scheduler runs it; never changes. Migration 0009. */
  libraryId: string;
  /** Lower runs first. */
  priority: number;
  state: Generated<JobState>;
  /** Human-readable progress shown in `pytarchive queue`, e.g. `41% (12.3 GiB of 30 GiB)`. */
  progress: string | null;
  error: string | null;
  attempts: Generated<number>;
  /** A running job was asked to stop; its worker cleans up and marks it aborted. */
  abortRequested: Generated<boolean>;
  /** The drive (element number) a tape job was started on; kept after the job ends, as history. */
  drive: number | null;
  /**
   * The error (`{ code, message, hint? }`) a running tape job ends with once its drive is
   * released; cleared when the job starts again or is requeued.
   */
  pendingError: ColumnType<JsonObject | null, string | null, string | null>;
  /**
   * The step the scheduler sent and no worker has taken up yet; null once a worker reports on
   * it. A restarted scheduler sends exactly this step again.
   */
  waitingOn: string | null;
  /** `waitingOn` is the unload retried after the 53/03 recovery. */
  waitingRetry: Generated<boolean>;
  /**
   * The step the scheduler sent last in this attempt, kept while a worker runs it (migration
   * 0011); null before the first. A delivery of another step of the attempt is stale.
   */
  currentStep: Generated<string | null>;
  /** When the job's result became permanent (an archive: folder archived); an abort is then too late. */
  committedAt: Date | null;
  /** What a finished job moved (read, written or checked); null when it moves no files or did not finish. */
  bytesMoved: number | null;
  filesMoved: number | null;
  /** Insertion order: the last key of the queue order, after priority and creation time. */
  seq: GeneratedAlways<number>;
  /** The task of the original's queue.json this job was imported from; null for others. */
  legacyKey: string | null;
  createdAt: DefaultedTimestamp;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: DefaultedTimestamp;
}

export interface EventsTable {
  id: GeneratedAlways<number>;
  jobId: string | null;
  kind: string;
  payload: ColumnType<JsonValue, string, string>;
  createdAt: DefaultedTimestamp;
}

export interface CatalogSchema {
  folders: FoldersTable;
  tapes: TapesTable;
  files: FilesTable;
  jobs: JobsTable;
  events: EventsTable;
}

/** Table names in an order that truncating or dropping them respects foreign keys. */
export const CATALOG_TABLES = ["events", "files", "folders", "jobs", "tapes"] as const;

export type FolderRow = Selectable<FoldersTable>;
export type TapeRow = Selectable<TapesTable>;
export type JobRow = Selectable<JobsTable>;
export type EventRow = Selectable<EventsTable>;
