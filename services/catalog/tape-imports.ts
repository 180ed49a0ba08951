import type { Kysely, Transaction } from "kysely";
import {
  type CatalogFile,
  type CatalogReply,
  type CatalogRequest,
  FOLDER_EVENTS,
} from "../../shared/messages/index.ts";
import { CATALOG_REFUSAL_CODES, refuse, whatWasRecorded } from "./catalog-errors.ts";
import {
  type CatalogSchema,
  countFiles,
  FILES_PER_TRANSACTION,
  type FolderRow,
  insertFiles,
  inTransaction,
  type JobRow,
  lockFolderByPath,
  lockTape,
  slicesOf,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent } from "./job-events.ts";
import { runningJobOrThrow } from "./job-lifecycle.ts";
import { folderToWire } from "./to-wire.ts";

/*
 * What a running import-tape job reports about the folders it finds on its tape (the folder,
 * its files, the end), and the files a `verify --adopt` read from a tape. Each report is refused
 * unless that job runs this attempt on exactly this tape, so a stray report changes nothing.
 */

type Trx = Transaction<CatalogSchema>;

/** The running import-tape job of `tape`, or a refusal. */
async function importJobOrThrow(
  trx: Trx,
  input: { jobId: string; attempt?: number; tape: string },
  action: string,
): Promise<JobRow> {
  const job = await runningJobOrThrow(trx, input.jobId, input.attempt, action);
  if (job.kind !== "import-tape" || job.args.tape !== input.tape) {
    throw refuse(
      CATALOG_REFUSAL_CODES.invalidArgument,
      `Job ${job.id} (${job.kind}) does not import tape ${input.tape}. Nothing was changed.`,
      "Only the import-tape job of a tape records what is on it; check that every pytarchive service runs the same version.",
    );
  }
  return job;
}

/**
 * A folder found on the tape: recorded as archiving there when the catalog does not know its
 * path (`new`), or left as it is (`resume`, `known`, `taken`; see the `folder-import` request).
 */
export async function recordFolderImport(
  db: Kysely<CatalogSchema>,
  input: CatalogRequest<"folder-import">,
): Promise<CatalogReply<"folder-import">> {
  return inTransaction(db, async (trx) => {
    const job = await importJobOrThrow(trx, input, "record a folder of");
    await lockTape(trx, input.tape);
    const current = await lockFolderByPath(trx, input.path);
    const here = (folder: FolderRow) =>
      folder.tapeBarcode === input.tape && folder.targetName === input.targetName;
    if (current !== null) {
      if (current.state === "archived" && here(current)) {
        // No files yet (an entry of the original's database.json): this import records them.
        const status = current.checksumsFrom === null ? "fill" : "known";
        return { status, folder: folderToWire(current), detail: null };
      }
      if (current.state === "archiving" && here(current) && (await importedBy(trx, current, job))) {
        return { status: "resume", folder: folderToWire(current), detail: null };
      }
      return {
        status: "taken",
        folder: folderToWire(current),
        detail: `the catalog already has ${input.path} (${current.state}${current.tapeBarcode === null ? "" : ` on tape ${current.tapeBarcode} as ${current.targetName}`}); it was left as it is`,
      };
    }
    const holder = await trx
      .selectFrom("folders")
      .select("path")
      .where("tapeBarcode", "=", input.tape)
      .where("targetName", "=", input.targetName)
      .where("state", "in", ["archived", "archiving"])
      .executeTakeFirst();
    if (holder !== undefined) {
      return {
        status: "taken",
        folder: null,
        detail: `the catalog has ${holder.path} under the name ${input.targetName} on tape ${input.tape}`,
      };
    }
    const folder = await trx
      .insertInto("folders")
      .values({
        path: input.path,
        targetName: input.targetName,
        description: input.description,
        state: "archiving",
        sizeKib: input.sizeKiB,
        apparentBytes: input.apparentBytes,
        fileCount: input.fileCount,
        compressed: input.compressed,
        // A packed folder's archive is the one file of its folder on the tape.
        archivePath: input.compressed ? `${input.targetName} on tape ${input.tape}` : null,
        tapeBarcode: input.tape,
        archivedAt: new Date(input.archivedAt),
        checksumsFrom: input.checksumsFrom,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { status: "new", folder: folderToWire(folder), detail: null };
  });
}

/** Whether `folder` (archiving) was left by an import of its tape rather than by an archive job. */
async function importedBy(trx: Trx, folder: FolderRow, job: JobRow): Promise<boolean> {
  const archiving = await trx
    .selectFrom("jobs")
    .select("id")
    .where("kind", "=", "archive")
    .where("state", "in", ["queued", "running", "failed"])
    .where(({ eb, ref }) => eb(ref("args", "->>").key("folder"), "=", folder.path))
    .executeTakeFirst();
  return archiving === undefined && job.args.tape === folder.tapeBarcode;
}

/**
 * Files read from a tape, replacing any recorded under the same path: for a folder the import
 * job of this tape is recording, or for an archived folder a `verify --adopt` of it (or of its
 * tape) compared with the original.
 */
export async function recordImportedFiles(
  db: Kysely<CatalogSchema>,
  input: CatalogRequest<"import-files-record">,
): Promise<{ recorded: number }> {
  let recorded = 0;
  // Short transactions, as recordArchivedFiles: others' queries are answered in between.
  for (const files of slicesOf(input.files, FILES_PER_TRANSACTION)) {
    recorded += await recordImportedSlice(db, { ...input, files }, recorded);
  }
  return { recorded };
}

async function recordImportedSlice(
  db: Kysely<CatalogSchema>,
  input: CatalogRequest<"import-files-record">,
  recordedBefore: number,
): Promise<number> {
  return inTransaction(db, async (trx) => {
    const job = await runningJobOrThrow(trx, input.jobId, input.attempt, "record files for");
    const folder = await lockFolderByPath(trx, input.path);
    const importing =
      job.kind === "import-tape" &&
      job.args.tape === input.tape &&
      folder?.tapeBarcode === input.tape &&
      (folder.state === "archiving" ||
        (folder.state === "archived" && folder.checksumsFrom === null));
    const adopting =
      job.kind === "verify" &&
      job.args.adopt === true &&
      folder?.state === "archived" &&
      folder.tapeBarcode === input.tape &&
      (job.args.target === folder.path || job.args.target === input.tape);
    if (folder === null || !(importing || adopting)) {
      throw refuse(
        CATALOG_REFUSAL_CODES.folderNotArchiving,
        `Job ${job.id} (${job.kind}) cannot record files of ${input.path} on tape ${input.tape}: the folder is ${folder === null ? "unknown" : `${folder.state} on ${folder.tapeBarcode ?? "no tape"}`}. ${whatWasRecorded(recordedBefore)}`,
        "Files read from a tape are recorded by its import-tape job or by a verify --adopt of the folder.",
      );
    }
    return insertFiles(trx, rowsOf(folder.id, input.tape, input.files));
  });
}

function rowsOf(folderId: number, tape: string, files: readonly CatalogFile[]) {
  return files.map((file) => ({
    folderId,
    relativePath: file.path,
    sizeBytes: file.sizeBytes,
    mtimeNs: BigInt(file.mtimeNs),
    mode: file.mode,
    checksum: file.sha256,
    tapeBarcode: tape,
    startBlock: file.startBlock,
    partition: file.partition,
  }));
}

/**
 * archiving → archived on the tape, not verified, once exactly `fileCount` files are recorded
 * (else FILES_INCOMPLETE), with a `folder.imported` event. Repeated: the folder as it is.
 */
export async function recordFolderImported(
  db: Kysely<CatalogSchema>,
  input: CatalogRequest<"folder-import-done">,
): Promise<{ folder: FolderRow; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const job = await importJobOrThrow(trx, input, "finish a folder of");
    const current = await lockFolderByPath(trx, input.path);
    const filling = current?.state === "archived" && current.checksumsFrom === null;
    if (current?.state === "archived" && current.tapeBarcode === input.tape && !filling) {
      return { folder: current, events: [] };
    }
    if (
      current === null ||
      !(current.state === "archiving" || filling) ||
      current.tapeBarcode !== input.tape
    ) {
      throw refuse(
        CATALOG_REFUSAL_CODES.folderNotArchiving,
        `${input.path} is not being imported from tape ${input.tape}${current === null ? "" : ` (it is ${current.state})`}. Nothing was changed.`,
        "A folder is imported with folder-import first; check that every pytarchive service runs the same version.",
      );
    }
    const recorded = await countFiles(trx, current.id);
    if (recorded !== input.fileCount) {
      throw refuse(
        CATALOG_REFUSAL_CODES.filesIncomplete,
        `${input.path} has ${recorded} files recorded, not the ${input.fileCount} read from tape ${input.tape}. It stays being imported.`,
        `Requeue the import (\`pytarchive requeue ${job.id}\`): it records the folder's files again.`,
      );
    }
    const folder = await trx
      .updateTable("folders")
      .set({
        state: "archived",
        verifiedAt: null,
        error: null,
        updatedAt: new Date(),
        // Files hashed from the tape for a folder the original archived: no manifest, no original's sums.
        ...(filling ? { checksumsFrom: "tape" as const, fileCount: input.fileCount } : {}),
      })
      .where("id", "=", current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const event = await recordJobEvent(trx, FOLDER_EVENTS.imported, job.id, {
      jobId: job.id,
      path: input.path,
      tape: input.tape,
      targetName: folder.targetName ?? "",
      fileCount: recorded,
      checksumsFrom: folder.checksumsFrom,
      at: new Date().toISOString(),
    });
    return { folder, events: [event] };
  });
}
