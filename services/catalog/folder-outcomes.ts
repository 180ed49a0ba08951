import type { Kysely } from "kysely";
import type { ErrorInfo } from "../../shared/messages/index.ts";
import { ARCHIVE_SOURCE_CODES, FOLDER_EVENTS } from "../../shared/messages/index.ts";
import { CATALOG_REFUSAL_CODES, refuse } from "./catalog-errors.ts";
import {
  type CatalogSchema,
  deleteFolderFiles,
  type FolderRow,
  type FolderState,
  findFolderByPath,
  inTransaction,
  returnFolderToPrepared,
  setFolderState,
  upsertPreparedFolder,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent } from "./job-events.ts";
import { formatJobError, runningJobOrThrow } from "./job-lifecycle.ts";

/** Folder states a failing job may turn into `failed`: those a job is working on. */
const FAILABLE_STATES: readonly FolderState[] = ["preparing", "archiving"];

/**
 * Records what a running prepare job found: the folder becomes prepared with its size (the
 * archive's when packed) and file count, with a `folder.prepared` event. Refused unless the job
 * runs (this attempt) and prepares exactly this folder, so a late report changes nothing.
 */
export async function recordFolderPrepared(
  db: Kysely<CatalogSchema>,
  input: {
    jobId: string;
    attempt?: number;
    path: string;
    sizeKiB: number;
    apparentBytes?: number;
    fileCount: number;
    compressed: boolean;
    archivePath: string | null;
  },
): Promise<{ folder: FolderRow; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const job = await runningJobOrThrow(trx, input.jobId, input.attempt, "record the folder of");
    if (job.kind !== "prepare" || job.args.folder !== input.path) {
      throw refuse(
        CATALOG_REFUSAL_CODES.invalidArgument,
        `Job ${job.id} (${job.kind} of ${String(job.args.folder ?? "no folder")}) does not prepare ${input.path}.`,
        "Only the prepare job of a folder records it as prepared; check that every pytarchive service runs the same version.",
      );
    }
    const folder = await upsertPreparedFolder(trx, {
      path: input.path,
      description: typeof job.args.description === "string" ? job.args.description : "",
      sizeKib: input.sizeKiB,
      apparentBytes: input.apparentBytes ?? null,
      fileCount: input.fileCount,
      compressed: input.compressed,
      archivePath: input.archivePath,
    });
    const event = await recordJobEvent(trx, FOLDER_EVENTS.prepared, job.id, {
      jobId: job.id,
      path: input.path,
      sizeKiB: input.sizeKiB,
      fileCount: input.fileCount,
      compressed: input.compressed,
      archivePath: input.archivePath,
      at: new Date().toISOString(),
    });
    return { folder, events: [event] };
  });
}

/**
 * The write step's code when a compressed folder's packed archive is gone from scratch_path; an
 * unreachable original (ARCHIVE_SOURCE_MISSING, e.g. its NFS server is down) is not this.
 */
const PACKED_ARCHIVE_MISSING = ARCHIVE_SOURCE_CODES.packMissing;

/**
 * The folder a failed (or aborted) job was working on. A folder being prepared becomes failed
 * with the job's error, with a `folder.failed` event. A folder being archived goes back to
 * prepared: its measurements and packed archive still hold, so it can be archived (to another
 * tape) at once; the job's own event says why. Only when its packed archive is gone does it
 * become failed, to be prepared again. Either way the files recorded for it are forgotten: they
 * describe an unfinished write, and the catalog lists only what is on tape. Any other folder, or
 * none, is left alone: asking twice is harmless.
 */
export async function recordFolderFailed(
  db: Kysely<CatalogSchema>,
  input: { jobId: string; path: string; error: ErrorInfo },
): Promise<{ folder: FolderRow | null; changed: boolean; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const current = await findFolderByPath(trx, input.path);
    if (current === null || !FAILABLE_STATES.includes(current.state)) {
      return { folder: current, changed: false, events: [] };
    }
    if (current.state === "archiving") await deleteFolderFiles(trx, current.id);
    if (current.state === "archiving" && input.error.code !== PACKED_ARCHIVE_MISSING) {
      const folder = await returnFolderToPrepared(trx, current.id);
      return { folder: folder ?? current, changed: folder !== null, events: [] };
    }
    const folder = await setFolderState(trx, current.id, {
      state: "failed",
      error: formatJobError(input.error),
    });
    const event = await recordJobEvent(trx, FOLDER_EVENTS.failed, input.jobId, {
      jobId: input.jobId,
      path: input.path,
      error: { ...input.error },
      at: new Date().toISOString(),
    });
    return { folder, changed: true, events: [event] };
  });
}
