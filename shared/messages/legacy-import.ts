import { type Static, Type } from "@sinclair/typebox";
import { TimestampSchema } from "./common-schemas.ts";

/*
 * The import of the original pytarchive's database.json and queue.json: the CLI reads and maps
 * the files (shared/legacy) and sends what to record in batches; the gateway checks every value
 * and the catalog records each entry once (a second import changes nothing).
 */

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableTimestamp = Type.Union([TimestampSchema, Type.Null()]);

/** Most folders in one request; the CLI sends a larger database in several. */
export const LEGACY_FOLDERS_PER_REQUEST = 200;
/** Most tasks in one request (a failed one carries its traceback). */
export const LEGACY_JOBS_PER_REQUEST = 50;
/** Longest error text of a failed task that is kept (a Python traceback is a few KiB). */
export const LEGACY_ERROR_MAX_CHARS = 16_384;

export const LegacyImportFolderSchema = Type.Object({
  path: Type.String({ minLength: 1 }),
  description: Type.String(),
  state: Type.Union([Type.Literal("prepared"), Type.Literal("archived")]),
  sizeKiB: Type.Integer({ minimum: 0 }),
  compressed: Type.Boolean(),
  archivePath: NullableString,
  tape: NullableString,
  nameOnTape: NullableString,
  measuredAt: NullableTimestamp,
  archivedAt: NullableTimestamp,
  /** "database.json line 12": where the entry is, for the report. */
  source: Type.String(),
});

export const LegacyImportJobSchema = Type.Object({
  /** Names the task across imports (the original saved no ids). */
  key: Type.String({ pattern: "^[0-9a-f]{32}$" }),
  kind: Type.Union(
    (["prepare", "archive", "restore", "explore", "inventory"] as const).map((kind) =>
      Type.Literal(kind),
    ),
  ),
  args: Type.Record(Type.String(), Type.Unknown()),
  priority: Type.Integer(),
  createdAt: TimestampSchema,
  /** The original's error text and traceback; null: the task was queued. */
  failed: NullableString,
  source: Type.String(),
});

export const LegacyImportRequestSchema = Type.Object({
  folders: Type.Array(LegacyImportFolderSchema, { maxItems: LEGACY_FOLDERS_PER_REQUEST }),
  jobs: Type.Array(LegacyImportJobSchema, { maxItems: LEGACY_JOBS_PER_REQUEST }),
});
export type LegacyImportRequest = Static<typeof LegacyImportRequestSchema>;

export const LEGACY_OUTCOMES = ["added", "unchanged", "refused"] as const;

/** What became of one entry: added, already there (unchanged), or refused with why. */
export const LegacyOutcomeSchema = Type.Object({
  source: Type.String(),
  outcome: Type.Union(LEGACY_OUTCOMES.map((outcome) => Type.Literal(outcome))),
  /** The job of a task (added or found again); null for folders and refused tasks. */
  jobId: NullableString,
  /** The job's state (queued, failed) when there is one. */
  state: NullableString,
  /** Why it was refused (code: message), or a note; null otherwise. */
  message: NullableString,
});
export type LegacyOutcome = Static<typeof LegacyOutcomeSchema>;

export const LegacyImportReplySchema = Type.Object({
  folders: Type.Array(LegacyOutcomeSchema),
  jobs: Type.Array(LegacyOutcomeSchema),
  /** Tapes the catalog did not know: recorded as not in the library until the changer sees them. */
  tapesAdded: Type.Array(Type.String()),
});
export type LegacyImportReply = Static<typeof LegacyImportReplySchema>;
