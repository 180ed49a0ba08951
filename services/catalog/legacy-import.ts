import type { Kysely, Transaction } from "kysely";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  JOB_EVENTS,
  type LegacyImportRequest,
  type LegacyOutcome,
} from "../../shared/messages/index.ts";
import { checkRestoreTargetOf, createCheckedJob } from "./create-checked-job.ts";
import {
  type CatalogSchema,
  createJob,
  findFolderByPath,
  getTape,
  inTransaction,
  isUniqueViolation,
  type JobRow,
  type JsonObject,
  markJobFailed,
  setFolderState,
  updateTape,
  upsertTape,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent } from "./job-events.ts";
import { formatJobError } from "./job-lifecycle.ts";

/*
 * The original pytarchive's database and queue, recorded once each: a folder already in the
 * catalog (by path) and a task already imported (by its key) are left as they are, so a second
 * import changes nothing. Each entry is its own transaction: one that cannot be recorded is
 * reported and the others still are.
 */

type Trx = Transaction<CatalogSchema>;
type LegacyFolderEntry = LegacyImportRequest["folders"][number];
type LegacyJobEntry = LegacyImportRequest["jobs"][number];

export interface LegacyImportOptions {
  /** `[NATS] library_id` of this catalog: the original's tasks and tapes become this library's. */
  readonly libraryId: string;
  readonly tapeMaxSizeKiB: number;
  readonly scratchPath: string;
  readonly stateFolder: string;
  readonly mountPoints: readonly string[];
}

/**
 * Records a batch of the original's entries. Returns what became of each, the tapes it added
 * and the events to announce (only those of jobs now queued: the scheduler runs them).
 *
 * @example
 * const { reply } = await importLegacyEntries(db, { folders, jobs: [] }, options);
 * reply.folders[0]?.outcome; // "added"
 */
export async function importLegacyEntries(
  db: Kysely<CatalogSchema>,
  request: LegacyImportRequest,
  options: LegacyImportOptions,
): Promise<{
  reply: { folders: LegacyOutcome[]; jobs: LegacyOutcome[]; tapesAdded: string[] };
  events: RecordedJobEvent[];
}> {
  const tapesAdded = await recordTapes(db, request, options.libraryId);
  const folders: LegacyOutcome[] = [];
  for (const folder of request.folders) folders.push(await recordFolder(db, folder));
  const jobs: LegacyOutcome[] = [];
  const events: RecordedJobEvent[] = [];
  for (const job of request.jobs) {
    const recorded = await recordJob(db, job, options);
    jobs.push(recorded.outcome);
    events.push(...recorded.events);
  }
  return { reply: { folders, jobs, tapesAdded }, events };
}

function outcome(
  source: string,
  result: LegacyOutcome["outcome"],
  more: Partial<Pick<LegacyOutcome, "jobId" | "state" | "message">> = {},
): LegacyOutcome {
  return { source, outcome: result, jobId: null, state: null, message: null, ...more };
}

function refusal(source: string, error: unknown): LegacyOutcome {
  if (!(error instanceof PytarchiveError)) throw error;
  return outcome(source, "refused", { message: `${error.code}: ${error.message}` });
}

/**
 * Every tape the entries name. A new one is recorded without a home slot and never seen: not in
 * the library until the changer finds it. A tape holding the original's archived folders is
 * formatted (LTFS), whatever the catalog thought.
 */
async function recordTapes(
  db: Kysely<CatalogSchema>,
  request: LegacyImportRequest,
  libraryId: string,
): Promise<string[]> {
  const holding = new Set(
    request.folders.flatMap((folder) =>
      folder.state === "archived" && folder.tape !== null ? [folder.tape] : [],
    ),
  );
  const named = new Set(holding);
  for (const job of request.jobs) {
    if (typeof job.args.tape === "string") named.add(job.args.tape);
  }
  const added: string[] = [];
  for (const barcode of [...named].sort()) {
    await inTransaction(db, async (trx) => {
      const known = await getTape(trx, barcode);
      if (known === null) {
        await upsertTape(trx, {
          barcode,
          libraryId,
          ...(holding.has(barcode) ? { state: "formatted" as const } : {}),
        });
        added.push(barcode);
      } else if (holding.has(barcode) && known.state === "blank") {
        await updateTape(trx, { barcode, state: "formatted" });
      }
    });
  }
  return added;
}

async function recordFolder(
  db: Kysely<CatalogSchema>,
  folder: LegacyFolderEntry,
): Promise<LegacyOutcome> {
  try {
    return await inTransaction(db, async (trx) => {
      const known = await findFolderByPath(trx, folder.path);
      if (known !== null) {
        return outcome(folder.source, "unchanged", {
          message: `the catalog already has ${folder.path} (${known.state})`,
        });
      }
      await trx
        .insertInto("folders")
        .values({
          path: folder.path,
          description: folder.description,
          state: folder.state,
          sizeKib: folder.sizeKiB,
          compressed: folder.compressed,
          archivePath: folder.archivePath,
          // Archived by the original: on its tape under its name, never verified (no checksums).
          tapeBarcode: folder.state === "archived" ? folder.tape : null,
          targetName: folder.state === "archived" ? folder.nameOnTape : null,
          verifiedAt: null,
          measuredAt: folder.measuredAt === null ? null : new Date(folder.measuredAt),
          archivedAt: folder.archivedAt === null ? null : new Date(folder.archivedAt),
        })
        .execute();
      return outcome(folder.source, "added");
    });
  } catch (error) {
    if (isUniqueViolation(error, "folders_archived_name_on_tape")) {
      return outcome(folder.source, "refused", {
        message: `NAME_TAKEN_ON_TAPE: tape ${folder.tape} already has an archived folder named ${folder.nameOnTape}; ${folder.path} was not imported.`,
      });
    }
    if (isCheckViolation(error)) {
      return outcome(folder.source, "refused", {
        message: `INVALID_ARGUMENT: the catalog cannot hold this entry as given (${(error as Error).message}); ${folder.path} was not imported.`,
      });
    }
    return refusal(folder.source, error);
  }
}

/** PostgreSQL's check_violation (23514): a value the table's rules do not allow. */
function isCheckViolation(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23514"
  );
}

const FAILED_HINT =
  "Requeue it (`pytarchive requeue ID`) to run it with this pytarchive, or abort it (`pytarchive abort ID`).";

async function recordJob(
  db: Kysely<CatalogSchema>,
  entry: LegacyJobEntry,
  options: LegacyImportOptions,
): Promise<{ outcome: LegacyOutcome; events: RecordedJobEvent[] }> {
  try {
    return await inTransaction(db, async (trx) => {
      const known = await trx
        .selectFrom("jobs")
        .selectAll()
        .where("legacyKey", "=", entry.key)
        .executeTakeFirst();
      if (known !== undefined) {
        return {
          outcome: outcome(entry.source, "unchanged", { jobId: known.id, state: known.state }),
          events: [],
        };
      }
      const failure = entry.failed ?? (await notAdoptedRestore(trx, entry));
      if (failure !== null && entry.kind === "restore") {
        // Imported failed, it skips the queue-time checks: its target must still keep the
        // originals rule (refused here otherwise), and a requeue checks everything again.
        await checkRestoreTargetOf(trx, String(entry.args.target), options);
      }
      const { job, events } =
        failure === null || entry.kind === "prepare"
          ? await createCheckedJob(
              trx,
              { kind: entry.kind, args: entry.args as JsonObject, priority: entry.priority },
              options,
            )
          : {
              job: await createJob(trx, {
                libraryId: options.libraryId,
                kind: entry.kind,
                args: entry.args as JsonObject,
                priority: entry.priority,
              }),
              events: [],
            };
      await trx
        .updateTable("jobs")
        .set({ legacyKey: entry.key, createdAt: new Date(entry.createdAt) })
        .where("id", "=", job.id)
        .execute();
      if (failure === null) {
        return {
          outcome: outcome(entry.source, "added", { jobId: job.id, state: job.state }),
          events,
        };
      }
      const failed = await failImportedJob(trx, job, failure);
      return {
        outcome: outcome(entry.source, "added", { jobId: failed.id, state: failed.state }),
        events: [],
      };
    });
  } catch (error) {
    return { outcome: refusal(entry.source, error), events: [] };
  }
}

interface ImportedFailure {
  readonly code: "LEGACY_TASK_FAILED" | "LEGACY_NOT_ADOPTED";
  readonly message: string;
  readonly hint: string;
}

/**
 * A restore of a folder the original archived cannot run before the folder is adopted: the
 * catalog has no checksums to check the files against. It is imported failed, saying so.
 */
async function notAdoptedRestore(trx: Trx, entry: LegacyJobEntry): Promise<ImportedFailure | null> {
  if (entry.kind !== "restore" || typeof entry.args.folder !== "string") return null;
  const folder = await findFolderByPath(trx, entry.args.folder);
  if (folder === null || folder.state !== "archived" || folder.verifiedAt !== null) return null;
  return {
    code: "LEGACY_NOT_ADOPTED",
    message: `${folder.path} was archived by the original pytarchive on tape ${folder.tapeBarcode} and has no checksums yet, so it cannot be restored file by file; nothing was restored.`,
    hint: `Adopt it first (\`pytarchive verify --adopt ${folder.path}\`), then requeue this task.`,
  };
}

/** The job as the original left it: failed, with its error (and traceback) as the message. */
async function failImportedJob(
  trx: Trx,
  job: JobRow,
  failure: string | ImportedFailure,
): Promise<JobRow> {
  const error =
    typeof failure === "string"
      ? {
          code: "LEGACY_TASK_FAILED",
          message: `It failed under the original pytarchive: ${failure.trimEnd()}`,
          hint: FAILED_HINT,
        }
      : failure;
  const failed = await markJobFailed(trx, job.id, formatJobError(error));
  if (job.kind === "prepare" && typeof job.args.folder === "string") {
    // As a prepare that fails here: its folder is failed, to be prepared again.
    const folder = await findFolderByPath(trx, job.args.folder);
    if (folder !== null)
      await setFolderState(trx, folder.id, { state: "failed", error: failed.error ?? "" });
  }
  await recordJobEvent(trx, JOB_EVENTS.failed, job.id, {
    jobId: job.id,
    step: "import",
    attempt: 1,
    error: { ...error },
    at: new Date().toISOString(),
  });
  return failed;
}
