import { type Kysely, sql, type Transaction } from "kysely";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { CatalogJobKind } from "../../shared/messages/index.ts";
import { JOB_EVENTS } from "../../shared/messages/index.ts";
import {
  checkFolderToPrepare,
  checkNotBeingRestored,
  checkRestoreTarget,
  type OwnFolders,
  type PendingRestore,
} from "../../shared/originals/index.ts";
import { CATALOG_REFUSAL_CODES as CODES, refuse } from "./catalog-errors.ts";
import {
  abortJobs,
  CATALOG_ERROR_CODES,
  type CatalogSchema,
  createJob,
  type FolderRow,
  findFolderByPath,
  getArchivedKiB,
  getTape,
  inTransaction,
  type JobRow,
  type JsonObject,
  roomKiBOf,
  startPreparingFolder,
  type TapeRow,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent, recordJobQueued } from "./job-events.ts";
import { commandOf, tapeInOtherLibrary } from "./other-library.ts";
import { pendingJobsOf, reservedKiBByTape } from "./pending-jobs.ts";
import { whereItFitsHint, writableTapeRooms } from "./tape-room.ts";
import { tapeCapacityKiB, tapeUsedKiB } from "./to-wire.ts";

type Trx = Transaction<CatalogSchema>;

export interface CheckedJobInput {
  readonly kind: CatalogJobKind;
  /** Arguments as the gateway validated and completed them (absolute paths, the name on tape…). */
  readonly args: JsonObject;
  readonly priority?: number;
}

/**
 * The library a job is checked for (it runs there: its tapes must be there) and the command
 * that queues it again elsewhere, for the refusal's hint.
 */
interface JobScope {
  readonly libraryId: string;
  readonly command: string;
}

/**
 * Queues a job after the checks only the catalog can make, in one transaction with the insert:
 * either every check passes and the job (plus, for prepare, its folder as `preparing`) and its
 * events are written, or nothing is. Per-folder and per-tape locks make two concurrent requests
 * for the same folder, name or tape see each other. The job runs in library `libraryId`: a tape
 * it needs that sits in another library is refused (TAPE_IN_OTHER_LIBRARY).
 */
export async function createCheckedJob(
  db: Kysely<CatalogSchema>,
  input: CheckedJobInput,
  options: {
    /** `[NATS] library_id` of this catalog service: where the job runs. */
    libraryId: string;
    tapeMaxSizeKiB: number;
    /** `[General] scratch_path`, `[Paths] state_dir`, the drives' mount points: never originals. */
    scratchPath?: string;
    stateFolder?: string;
    mountPoints?: readonly string[];
  },
): Promise<{ job: JobRow; events: RecordedJobEvent[] }> {
  const own: OwnFolders = {
    scratchPath: options.scratchPath ?? "",
    stateFolder: options.stateFolder ?? "",
    mountPoints: options.mountPoints ?? [],
  };
  const scope: JobScope = {
    libraryId: options.libraryId,
    command: commandOf(input.kind, input.args),
  };
  return inTransaction(db, async (trx) => {
    const earlier: RecordedJobEvent[] = [];
    switch (input.kind) {
      case "prepare":
        await checkPrepare(trx, text(input.args, "folder"), own);
        break;
      case "archive":
        earlier.push(...(await checkArchive(trx, input.args, options.tapeMaxSizeKiB, scope)));
        break;
      case "restore":
        await checkRestore(trx, input.args, own, scope);
        break;
      case "explore":
        await usableTapeOrThrow(trx, text(input.args, "tape"), "explore", scope);
        break;
      case "verify":
        await checkVerify(trx, text(input.args, "target"), input.args.adopt === true, scope);
        break;
      case "import-tape":
        await usableTapeOrThrow(trx, text(input.args, "tape"), "import", scope);
        break;
      case "inventory":
        break;
    }
    if (input.kind === "prepare") await recordPreparingFolder(trx, input.args);
    const job = await createJob(trx, {
      libraryId: options.libraryId,
      kind: input.kind,
      args: input.args,
      ...(input.priority === undefined ? {} : { priority: input.priority }),
    });
    const events = await recordJobQueued(trx, job, { created: true });
    return { job, events: [...earlier, ...events] };
  });
}

function text(args: JsonObject, key: string): string {
  const value = args[key];
  if (typeof value !== "string") {
    throw refuse(
      CODES.invalidArgument,
      `The job's argument ${key} is missing or not text.`,
      "The gateway builds job arguments; check that every pytarchive service runs the same version.",
    );
  }
  return value;
}

/** Serialises requests about one folder path until the transaction ends. */
async function lockFolderPath(trx: Trx, path: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`folder:${path}`}))`.execute(trx);
}

/**
 * Serialises the checks of the originals rule (prepare and restore targets) until the transaction
 * ends: two requests for nested paths (`/a` and `/a/sub`) take different folder locks.
 */
async function lockOriginals(trx: Trx): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('originals'))`.execute(trx);
}

/** Every folder the catalog knows, with its state: the originals the rule protects. */
function knownFolders(trx: Trx): Promise<{ path: string; state: string }[]> {
  return trx.selectFrom("folders").select(["path", "state"]).execute();
}

/** Where the restores that have not finished write. */
async function pendingRestores(trx: Trx): Promise<PendingRestore[]> {
  return (await pendingJobsOf(trx, ["restore"])).flatMap((job) =>
    typeof job.args.target === "string" ? [{ jobId: job.id, target: job.args.target }] : [],
  );
}

async function checkPrepare(trx: Trx, folder: string, own: OwnFolders): Promise<void> {
  await lockOriginals(trx);
  await lockFolderPath(trx, folder);
  checkFolderToPrepare(folder, await knownFolders(trx), own);
  checkNotBeingRestored(folder, await pendingRestores(trx), "folder");
  const pending = (await pendingJobsOf(trx, ["prepare", "archive"])).find(
    (job) => job.args.folder === folder,
  );
  if (pending !== undefined) throw alreadyQueued(folder, pending);
  const known = await findFolderByPath(trx, folder);
  if (known?.state === "archived") throw alreadyArchived(known);
}

async function recordPreparingFolder(trx: Trx, args: JsonObject): Promise<void> {
  try {
    await startPreparingFolder(trx, {
      path: text(args, "folder"),
      description: text(args, "description"),
      compressed: args.compress === true,
    });
  } catch (error) {
    if (error instanceof PytarchiveError && error.code === CATALOG_ERROR_CODES.folderAlreadyKnown) {
      throw new PytarchiveError(error.code, `${error.message} Nothing was queued.`, {
        hint: "It is prepared already: archive it with `pytarchive archive FOLDER TAPE` (`pytarchive summary` suggests a tape).",
      });
    }
    throw error;
  }
}

/** Checks an archive job; returns the events of a failed archive of the folder it replaces. */
async function checkArchive(
  trx: Trx,
  args: JsonObject,
  tapeMaxSizeKiB: number,
  scope: JobScope,
): Promise<RecordedJobEvent[]> {
  const path = text(args, "folder");
  const barcode = text(args, "tape");
  const name = text(args, "targetName");
  await lockFolderPath(trx, path);
  const tape = await usableTapeOrThrow(trx, barcode, "archive to", scope);
  let pendingArchives = await pendingJobsOf(trx, ["archive"]);
  const sameFolder = pendingArchives.find((job) => job.args.folder === path);
  const replaced: RecordedJobEvent[] = [];
  if (sameFolder?.state === "failed") {
    // A failed archive left its folder prepared: a new archive (another tape, say) replaces it.
    replaced.push(await abortReplacedJob(trx, sameFolder));
    pendingArchives = pendingArchives.filter((job) => job.id !== sameFolder.id);
  } else if (sameFolder !== undefined) {
    throw alreadyQueued(path, sameFolder);
  }

  const folder = await findFolderByPath(trx, path);
  if (folder === null || folder.state !== "prepared") throw notPrepared(path, folder);

  const holder = await trx
    .selectFrom("folders")
    .select("path")
    .where("state", "=", "archived")
    .where("tapeBarcode", "=", tape.barcode)
    .where("targetName", "=", name)
    .executeTakeFirst();
  const queuedHolder = pendingArchives.find(
    (job) => job.args.tape === tape.barcode && job.args.targetName === name,
  );
  if (holder !== undefined || queuedHolder !== undefined) {
    const by =
      holder !== undefined
        ? `the archived folder ${holder.path}`
        : `${String(queuedHolder?.args.folder)} (job ${queuedHolder?.id})`;
    throw refuse(
      CODES.nameTakenOnTape,
      `Tape ${tape.barcode} already has a folder named ${name}: ${by}. Nothing was queued.`,
      "Choose another name with `-t NAME`, or another tape.",
    );
  }

  // Apparent size: LTFS stores sparse files in full, so `du` KiB would under-count.
  const sizeKiB = roomKiBOf(folder);
  const usedKiB = tapeUsedKiB(tape, await getArchivedKiB(trx, tape.barcode));
  const reservedKiB = (await reservedKiBByTape(trx, pendingArchives)).get(tape.barcode) ?? 0;
  const capacityKiB = tapeCapacityKiB(tape, tapeMaxSizeKiB);
  if (tape.state === "full" || usedKiB + reservedKiB + sizeKiB > capacityKiB) {
    const queued = reservedKiB > 0 ? ` plus ${reservedKiB} KiB of queued archive jobs` : "";
    throw refuse(
      CODES.tapeTooFull,
      tape.state === "full"
        ? `Tape ${tape.barcode} is marked full. Nothing was queued.`
        : `${path} (${sizeKiB} KiB on tape) does not fit on tape ${tape.barcode}: it holds ${usedKiB} KiB${queued} of ${capacityKiB} KiB. Nothing was queued.`,
      whereItFitsHint(
        await writableTapeRooms(trx, tapeMaxSizeKiB, scope.libraryId),
        path,
        sizeKiB,
        tape.barcode,
      ),
    );
  }
  return replaced;
}

/**
 * The checks a job's arguments pass again before a failed job runs once more (`requeue`), in the
 * caller's transaction: what was true when it was queued (or what the original pytarchive
 * checked, for an imported task) may not be now. The job itself is not counted as pending.
 */
export async function checkJobToRequeue(trx: Trx, job: JobRow, own: OwnFolders): Promise<void> {
  // A tape that moved to another library since the job was queued: the job cannot run here.
  const scope: JobScope = { libraryId: job.libraryId, command: commandOf(job.kind, job.args) };
  switch (job.kind) {
    case "restore":
      await checkRestore(trx, job.args, own, scope, job.id);
      break;
    case "verify":
      await checkVerify(trx, text(job.args, "target"), job.args.adopt === true, scope);
      break;
    case "explore":
      await usableTapeOrThrow(trx, text(job.args, "tape"), "explore", scope);
      break;
    case "import-tape":
      await usableTapeOrThrow(trx, text(job.args, "tape"), "import", scope);
      break;
    default:
      // prepare and archive: their steps check the folder's state before touching anything.
      break;
  }
}

/**
 * The originals rule for a restore target (not an original, not inside or around one, not
 * pytarchive's own folders, not another pending restore's target), under the originals lock.
 */
export async function checkRestoreTargetOf(
  trx: Trx,
  target: string,
  own: OwnFolders,
  exceptJobId?: string,
): Promise<void> {
  await lockOriginals(trx);
  checkRestoreTarget(target, await knownFolders(trx), own);
  const pending = (await pendingRestores(trx)).filter((job) => job.jobId !== exceptJobId);
  checkNotBeingRestored(target, pending, "restore target");
}

async function checkRestore(
  trx: Trx,
  args: JsonObject,
  own: OwnFolders,
  scope: JobScope,
  exceptJobId?: string,
): Promise<void> {
  const path = text(args, "folder");
  await checkRestoreTargetOf(trx, text(args, "target"), own, exceptJobId);
  const folder = await findFolderByPath(trx, path);
  if (folder === null || folder.state !== "archived") {
    throw refuse(
      CODES.folderNotArchived,
      `${path} is not archived${folder === null ? " (the catalog does not know it)" : ` (it is ${folder.state})`}, so there is nothing to restore. Nothing was queued.`,
      "`pytarchive summary` lists the archived folders on each tape.",
    );
  }
  if (folder.checksumsFrom === null) {
    // No files recorded (an entry of the original's database.json): nothing to check a restore by.
    throw refuse(
      "LEGACY_NOT_ADOPTED",
      `${path} was archived by the original pytarchive and the catalog has no checksums of its files yet, so it cannot be restored file by file. Nothing was queued.`,
      `Adopt it first: \`pytarchive verify --adopt ${path}\` reads it from tape ${folder.tapeBarcode ?? ""} and compares it with the original; or import its tape with \`pytarchive import-tape ${folder.tapeBarcode ?? "TAPE"}\` when the original is gone.`,
    );
  }
  await folderTapeHereOrThrow(trx, folder, `restore ${path} from it`, scope);
  const subfolder = args.subfolder;
  if (typeof subfolder === "string" && !folder.compressed) {
    // Only checkable when the catalog has the folder's file list (not for tar archives).
    const files = await trx
      .selectFrom("files")
      .select((eb) => [
        eb.fn.countAll<number>().as("all"),
        eb.fn
          .count<number>("id")
          .filterWhere((w) =>
            w.or([
              w("relativePath", "=", subfolder),
              w("relativePath", "like", `${escapeLike(subfolder)}/%`),
            ]),
          )
          .as("inside"),
      ])
      .where("folderId", "=", folder.id)
      .executeTakeFirstOrThrow();
    if (Number(files.all) > 0 && Number(files.inside) === 0) {
      throw refuse(
        CODES.folderNotFound,
        `The archive of ${path} has no subfolder ${subfolder}. Nothing was queued.`,
        "Give the subfolder relative to the archived folder, e.g. `-s projects/2021`.",
      );
    }
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

async function checkVerify(
  trx: Trx,
  target: string,
  adopt: boolean,
  scope: JobScope,
): Promise<void> {
  if (!target.startsWith("/")) {
    await usableTapeOrThrow(trx, target, "verify", scope);
    return;
  }
  const folder = await findFolderByPath(trx, target);
  if (folder === null || folder.state !== "archived") {
    throw refuse(
      CODES.folderNotArchived,
      `${target} is not archived${folder === null ? " (the catalog does not know it)" : ` (it is ${folder.state})`}, so there is nothing to verify. Nothing was queued.`,
      "`pytarchive summary` lists the archived folders; or give a tape barcode to verify a whole tape.",
    );
  }
  if (folder.checksumsFrom === null && !adopt) {
    // No files recorded (the original's database.json): a plain verify has nothing to compare.
    throw refuse(
      "LEGACY_NOT_ADOPTED",
      `${target} was archived by the original pytarchive and the catalog has no checksums of its files yet, so a plain verify has nothing to compare the tape with. Nothing was queued.`,
      `Adopt it instead: \`pytarchive verify --adopt ${target}\` reads it from tape ${folder.tapeBarcode ?? ""} and compares it with the original.`,
    );
  }
  await folderTapeHereOrThrow(trx, folder, `verify ${target} on it`, scope);
}

/** Refuses a job on an archived folder whose tape sits in another library. */
async function folderTapeHereOrThrow(
  trx: Trx,
  folder: FolderRow,
  action: string,
  scope: JobScope,
): Promise<void> {
  const tape = folder.tapeBarcode === null ? null : await getTape(trx, folder.tapeBarcode);
  if (tape !== null && tape.libraryId !== scope.libraryId) {
    throw tapeInOtherLibrary(tape, scope.libraryId, action, scope.command);
  }
}

/**
 * The tape, locked for this transaction; refused when unknown, a cleaning tape, retired, or in
 * another library than the job's.
 */
async function usableTapeOrThrow(
  trx: Trx,
  barcode: string,
  action: string,
  scope: JobScope,
): Promise<TapeRow> {
  const tape = await trx
    .selectFrom("tapes")
    .selectAll()
    .where("barcode", "=", barcode)
    .forUpdate()
    .executeTakeFirst();
  if (tape === undefined || tape.state === "retired") {
    throw refuse(
      CODES.unknownTape,
      tape === undefined
        ? `Tape ${barcode} is not in the catalog, so pytarchive cannot ${action} it. Nothing was queued.`
        : `Tape ${barcode} is retired, so pytarchive cannot ${action} it. Nothing was queued.`,
      "`pytarchive tapes` lists the known tapes. The changer records every cartridge in the library when it starts: restart it after adding cartridges.",
    );
  }
  if (tape.cleaning) {
    throw refuse(
      CODES.cleaningTape,
      `Tape ${barcode} is a cleaning cartridge; pytarchive cannot ${action} it. Nothing was queued.`,
      "Choose a data tape; `pytarchive tapes` marks the cleaning cartridges.",
    );
  }
  if (tape.libraryId !== scope.libraryId) {
    throw tapeInOtherLibrary(tape, scope.libraryId, `${action} it`, scope.command);
  }
  return tape;
}

/** failed → aborted, for a failed archive job a new archive of its folder replaces. */
async function abortReplacedJob(trx: Trx, job: JobRow): Promise<RecordedJobEvent> {
  await abortJobs(trx, [job.id]);
  return recordJobEvent(trx, JOB_EVENTS.aborted, job.id, {
    jobId: job.id,
    reason: `replaced by a new archive of ${String(job.args.folder)}`,
    at: new Date().toISOString(),
  });
}

function alreadyQueued(folder: string, job: JobRow): PytarchiveError {
  return refuse(
    CODES.jobAlreadyQueued,
    `${folder} already has a ${job.kind} job: ${job.id} (${job.state}). Nothing was queued.`,
    job.state === "failed"
      ? `Requeue it with \`pytarchive requeue ${job.id}\`, or abort it with \`pytarchive abort ${job.id}\` first.`
      : "Wait for it to finish (`pytarchive queue`), or abort it first.",
  );
}

function alreadyArchived(folder: FolderRow): PytarchiveError {
  return refuse(
    CODES.folderAlreadyArchived,
    `${folder.path} is already archived on tape ${folder.tapeBarcode} as ${folder.targetName}. Nothing was queued.`,
    "`pytarchive deleteable` tells whether the original can be deleted.",
  );
}

function notPrepared(path: string, folder: FolderRow | null): PytarchiveError {
  if (folder?.state === "archived") return alreadyArchived(folder);
  const why =
    folder === null
      ? "it was never prepared"
      : folder.state === "preparing"
        ? "its prepare job has not finished"
        : folder.state === "failed"
          ? `its preparation failed${folder.error ? ` (${folder.error})` : ""}`
          : `it is ${folder.state}`;
  return refuse(
    CODES.folderNotPrepared,
    `${path} cannot be archived yet: ${why}. Nothing was queued.`,
    folder === null || folder.state === "failed"
      ? `Prepare it first: \`pytarchive prepare ${path} "description"\`.`
      : "Wait for its prepare job (`pytarchive queue`), then archive it.",
  );
}
