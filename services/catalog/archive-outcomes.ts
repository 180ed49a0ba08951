import type { Kysely, Transaction } from "kysely";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  type CatalogFile,
  FOLDER_EVENTS,
  MAX_FILES_PER_REQUEST,
} from "../../shared/messages/index.ts";
import { CATALOG_REFUSAL_CODES, refuse, whatWasRecorded } from "./catalog-errors.ts";
import {
  analyzeFiles,
  CATALOG_ERROR_CODES,
  type CatalogSchema,
  deleteFolderFiles,
  FILES_PER_TRANSACTION,
  type FolderRow,
  insertFiles,
  inTransaction,
  type JobRow,
  lockFolderByPath,
  lockTape,
  markJobCommitted,
  setFolderState,
  slicesOf,
  summariseFiles,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent } from "./job-events.ts";
import { runningJobOrThrow } from "./job-lifecycle.ts";
import { JOB_STATE_CODES } from "./job-states.ts";

/*
 * What a running archive job reports about its folder: it begins (archiving), the files it wrote
 * and checked, and the end (archived). Each report is refused unless the job runs this attempt
 * and archives exactly this folder to exactly this tape, so a late or stray report changes nothing.
 */

type Trx = Transaction<CatalogSchema>;

interface ArchiveReport {
  jobId: string;
  attempt?: number;
  path: string;
  tape: string;
}

/**
 * The folder (prepared, failed by an earlier attempt, or already archiving in this job) becomes
 * archiving under `targetName`, with a `folder.archiving` event. Files recorded earlier for the
 * folder are forgotten: they describe an unfinished earlier write, and `folder-archived` counts
 * exactly the files of this one.
 */
export async function recordFolderArchiving(
  db: Kysely<CatalogSchema>,
  input: ArchiveReport & { targetName: string },
): Promise<{ folder: FolderRow; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const job = await archiveJobOrThrow(trx, input, "start archiving the folder of");
    if (job.args.targetName !== input.targetName) {
      throw refuse(
        CATALOG_REFUSAL_CODES.invalidArgument,
        `Job ${job.id} archives ${input.path} as ${String(job.args.targetName)}, not as ${input.targetName}.`,
        "The name on tape was checked when the job was queued; check that every pytarchive service runs the same version.",
      );
    }
    const current = await folderOrThrow(trx, input.path);
    const folder =
      current.state === "archiving"
        ? current
        : await setFolderState(trx, current.id, {
            state: "archiving",
            targetName: input.targetName,
          });
    await deleteFolderFiles(trx, folder.id);
    const event = await recordJobEvent(trx, FOLDER_EVENTS.archiving, job.id, {
      jobId: job.id,
      attempt: job.attempts,
      path: input.path,
      tape: input.tape,
      targetName: input.targetName,
      at: new Date().toISOString(),
    });
    return { folder, events: [event] };
  });
}

/**
 * Records files of the folder being archived (a batch whose read-back check passed). A file
 * already recorded under the same path is replaced, so a repeated batch changes nothing. Paths
 * are checked first: relative, no empty, `.` or `..` parts (a restore must never write outside
 * its target), each once in the batch. Returns how many files were written.
 *
 * Written in short transactions (FILES_PER_TRANSACTION rows, each checking the job and folder
 * again), so others' queries are answered in between. A batch that fails half-way leaves some of
 * its files recorded: harmless, the folder is marked archived only once every file is.
 */
export async function recordArchivedFiles(
  db: Kysely<CatalogSchema>,
  input: ArchiveReport & { files: readonly CatalogFile[] },
): Promise<{ recorded: number }> {
  checkFiles(input.files, input.path);
  let recorded = 0;
  for (const files of slicesOf(input.files, FILES_PER_TRANSACTION)) {
    recorded += await recordArchivedSlice(db, input, files, recorded);
  }
  return { recorded };
}

async function recordArchivedSlice(
  db: Kysely<CatalogSchema>,
  input: ArchiveReport,
  files: readonly CatalogFile[],
  recordedBefore: number,
): Promise<number> {
  return inTransaction(db, async (trx) => {
    await archiveJobOrThrow(trx, input, "record the files of");
    const folder = await folderOrThrow(trx, input.path);
    if (folder.state !== "archiving") {
      throw refuse(
        CATALOG_REFUSAL_CODES.folderNotArchiving,
        `Files of ${input.path} cannot be recorded: the folder is ${folder.state}, not archiving. ${whatWasRecorded(recordedBefore)}`,
        "Files are recorded while the archive job writes the folder, after folder-archiving.",
      );
    }
    return insertFiles(
      trx,
      files.map((file) => ({
        folderId: folder.id,
        relativePath: file.path,
        sizeBytes: file.sizeBytes,
        mtimeNs: BigInt(file.mtimeNs),
        mode: file.mode,
        checksum: file.sha256,
        tapeBarcode: input.tape,
        startBlock: file.startBlock,
        partition: file.partition,
      })),
    );
  });
}

/**
 * archiving → archived on `tape`, verified at `verifiedAt`, with a `folder.archived` event; only
 * when exactly `fileCount` files are recorded for the folder, else FILES_INCOMPLETE and nothing
 * changes. A repeated report for a folder this job already archived answers with the folder and
 * changes nothing but the job's commit, when it was not marked yet (its reply may have been lost).
 *
 * This is the job's point of no return: in the same transaction the job is marked committed
 * (an abort after it is too late, the job ends done). An abort asked for before it wins: the
 * folder is not archived (JOB_ABORT_REQUESTED), so what the operator was told stays true.
 */
export async function recordFolderArchived(
  db: Kysely<CatalogSchema>,
  input: ArchiveReport & { fileCount: number; verifiedAt: string },
): Promise<{ folder: FolderRow; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const job = await archiveJobOrThrow(trx, input, "mark archived the folder of");
    // Serialises the folders archived on one tape, so the name check below stays true.
    await lockTape(trx, input.tape);
    const current = await folderOrThrow(trx, input.path);
    const targetName = String(job.args.targetName);
    // One pass over the folder's files gives both: 200,000 files take tens of ms each.
    const totals = await summariseFiles(trx, current.id);
    const recorded = Number(totals.fileCount);
    if (
      current.state === "archived" &&
      current.tapeBarcode === input.tape &&
      current.targetName === targetName &&
      recorded === input.fileCount
    ) {
      // The job that finds its folder archived (a redelivery, a requeue) is past its point of
      // no return too: marked committed, an abort is too late and its copy is never moved aside.
      if (job.committedAt === null) {
        await markJobCommitted(trx, job.id, { bytes: totals.totalBytes, files: totals.fileCount });
      }
      return { folder: current, events: [] };
    }
    if (current.state === "archiving" && recorded !== input.fileCount) {
      throw refuse(
        CATALOG_REFUSAL_CODES.filesIncomplete,
        `${input.path} was not marked archived: the catalog has ${recorded} of its files recorded, and job ${job.id} wrote ${input.fileCount}. Nothing was changed.`,
        "Record every file that was written and checked (files-record), then report the folder archived again.",
      );
    }
    if (job.abortRequested && job.committedAt === null) {
      throw refuse(
        JOB_STATE_CODES.abortRequested,
        `${input.path} was not marked archived: job ${job.id} was aborted before its read-back was recorded. The folder stays prepared.`,
        `Archive it again when wanted: \`pytarchive archive ${input.path} TAPE\`.`,
      );
    }
    if (current.state === "archiving") await refuseNameTaken(trx, current, input.tape);
    const folder = await setFolderState(trx, current.id, {
      state: "archived",
      tapeBarcode: input.tape,
      verifiedAt: new Date(input.verifiedAt),
    });
    await markJobCommitted(trx, job.id, { bytes: totals.totalBytes, files: totals.fileCount });
    const event = await recordJobEvent(trx, FOLDER_EVENTS.archived, job.id, {
      jobId: job.id,
      attempt: job.attempts,
      path: input.path,
      tape: input.tape,
      targetName: folder.targetName ?? targetName,
      fileCount: input.fileCount,
      verifiedAt: new Date(input.verifiedAt).toISOString(),
      at: new Date().toISOString(),
    });
    return { folder, events: [event] };
  });
}

/**
 * Archives of this many files or more refresh the files table's planner statistics once they are
 * recorded (an ANALYZE samples a bounded number of rows, so its cost does not grow with the
 * catalog): below that, a folder is one page and no plan can go badly wrong.
 */
export const ANALYZE_AFTER_FILES = MAX_FILES_PER_REQUEST;

/** After a folder was marked archived: statistics brought up to date when it was a large one. */
export async function refreshFileStatistics(
  db: Kysely<CatalogSchema>,
  fileCount: number,
): Promise<void> {
  if (fileCount >= ANALYZE_AFTER_FILES) await analyzeFiles(db);
}

/** The running archive job of exactly this folder and tape (this attempt), locked. */
async function archiveJobOrThrow(trx: Trx, input: ArchiveReport, action: string): Promise<JobRow> {
  const job = await runningJobOrThrow(trx, input.jobId, input.attempt, action);
  if (job.kind !== "archive" || job.args.folder !== input.path || job.args.tape !== input.tape) {
    const what =
      job.kind === "archive"
        ? `archive of ${String(job.args.folder)} to tape ${String(job.args.tape)}`
        : `${job.kind} job`;
    throw refuse(
      CATALOG_REFUSAL_CODES.invalidArgument,
      `Job ${job.id} (${what}) does not archive ${input.path} to tape ${input.tape}. Nothing was changed.`,
      "Only the archive job of a folder reports on it; check that every pytarchive service runs the same version.",
    );
  }
  return job;
}

async function folderOrThrow(trx: Trx, path: string): Promise<FolderRow> {
  const folder = await lockFolderByPath(trx, path);
  if (folder === null) {
    throw refuse(
      CATALOG_REFUSAL_CODES.folderNotFound,
      `The catalog does not know the folder ${path}. Nothing was changed.`,
      "`pytarchive summary` lists the folders the catalog knows.",
    );
  }
  return folder;
}

/**
 * Refused before the update: a unique violation inside this transaction would abort it, and
 * the error could then not name the folder holding the name.
 */
async function refuseNameTaken(trx: Trx, folder: FolderRow, tape: string): Promise<void> {
  const holder = await trx
    .selectFrom("folders")
    .select("path")
    .where("state", "=", "archived")
    .where("tapeBarcode", "=", tape)
    .where("targetName", "=", folder.targetName ?? "")
    .where("id", "<>", folder.id)
    .executeTakeFirst();
  if (holder === undefined) return;
  throw new PytarchiveError(
    CATALOG_ERROR_CODES.folderNameTakenOnTape,
    `Tape ${tape} already holds an archived folder named ${folder.targetName ?? ""} (from ${holder.path}); ${folder.path} was not marked archived.`,
    { hint: "Archive it under another name with `-t NAME`, or to another tape." },
  );
}

/* The range of the `files.mtime_ns` column (int8). */
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** Refuses, before anything is written, a batch the database would reject less clearly. */
function checkFiles(files: readonly CatalogFile[], folder: string): void {
  const seen = new Set<string>();
  for (const file of files) {
    const parts = file.path.split("/");
    const bad =
      file.path.includes("\0") ||
      parts.some((part) => part === "" || part === "." || part === "..");
    if (bad) {
      throw refuse(
        CATALOG_REFUSAL_CODES.invalidArgument,
        `The file path ${JSON.stringify(file.path)} of ${folder} is not a plain relative path (no leading /, no empty, . or .. parts). Nothing was recorded.`,
        "Record each file by its path below the archived folder, e.g. `projects/2021/data.bin`.",
      );
    }
    const mtimeNs = BigInt(file.mtimeNs);
    if (mtimeNs < INT8_MIN || mtimeNs > INT8_MAX) {
      throw refuse(
        CATALOG_REFUSAL_CODES.invalidArgument,
        `The modification time ${file.mtimeNs} ns of ${file.path} in ${folder} is out of range. Nothing was recorded.`,
        "Send nanoseconds since the epoch as `fs.stat(path, { bigint: true }).mtimeNs` gives them.",
      );
    }
    if (file.startBlock !== null && file.startBlock < 0) {
      throw refuse(
        CATALOG_REFUSAL_CODES.invalidArgument,
        `The start block ${file.startBlock} of ${file.path} in ${folder} is negative. Nothing was recorded.`,
        "Send LTFS's `ltfs.startblock` as it reports it, or null for an empty file.",
      );
    }
    if (seen.has(file.path)) {
      throw refuse(
        CATALOG_REFUSAL_CODES.invalidArgument,
        `The file ${file.path} of ${folder} appears twice in one batch. Nothing was recorded.`,
        "Send each file once per batch.",
      );
    }
    seen.add(file.path);
  }
}
