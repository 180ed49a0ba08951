import { type Kysely, sql, type UpdateObject } from "kysely";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import type { CatalogSchema, FolderRow, FolderState } from "./catalog-schema.ts";
import { CATALOG_ERROR_CODES } from "./errors.ts";
import { currentTime, isUniqueViolation } from "./sql-helpers.ts";

/**
 * Which states a folder may come from, for each state it may go to:
 * preparing → prepared → archiving → archived; archiving → prepared (an archive that ended
 * without archiving the folder: its measurements and packed archive still hold, see
 * returnFolderToPrepared); any → failed; failed → preparing or archiving (a retry). A folder is
 * `archived` only after verification passed, so nothing skips a step.
 */
export const FOLDER_TRANSITIONS: Readonly<Record<FolderState, readonly FolderState[]>> = {
  preparing: ["failed"],
  prepared: ["preparing", "archiving"],
  archiving: ["prepared", "failed"],
  archived: ["archiving"],
  failed: ["preparing", "prepared", "archiving", "archived", "failed"],
};

/**
 * Where a prepare's result (new measurements) may come from: only a folder being prepared. The
 * table's archiving → prepared keeps the measurements and is returnFolderToPrepared's.
 */
const MEASURED_FROM: readonly FolderState[] = ["preparing"];

/** Whether a folder in state `from` may move to `to`. */
export function canMoveFolder(from: FolderState, to: FolderState): boolean {
  return FOLDER_TRANSITIONS[to].includes(from);
}

/** What changes with each target state; fields not named here are left as they are. */
export type FolderTransition =
  | { state: "preparing" }
  | {
      state: "prepared";
      sizeKib: number;
      fileCount: number;
      compressed: boolean;
      /** The tar in scratch_path when `compressed`, else null. */
      archivePath: string | null;
    }
  | { state: "archiving"; targetName: string }
  | {
      state: "archived";
      tapeBarcode: string;
      /** When verification passed; defaults to now. */
      verifiedAt?: Date;
    }
  | { state: "failed"; error: string };

/**
 * Moves a folder to a new state, atomically: the change only happens if the folder is still in a
 * state the target allows (see FOLDER_TRANSITIONS). Throws FOLDER_STATE_TRANSITION naming both
 * states when it is not, NAME_TAKEN_ON_TAPE when archiving would give a tape two folders
 * of one name.
 *
 * @example
 * await setFolderState(db, folder.id, { state: "archiving", targetName: "projects_2021_alpha" });
 * await setFolderState(db, folder.id, { state: "archived", tapeBarcode: "AAK788L9" });
 */
export async function setFolderState(
  db: Kysely<CatalogSchema>,
  folderId: number,
  transition: FolderTransition,
): Promise<FolderRow> {
  const from =
    transition.state === "prepared" ? MEASURED_FROM : FOLDER_TRANSITIONS[transition.state];
  let folder: FolderRow | undefined;
  try {
    folder = await db
      .updateTable("folders")
      .set({ ...changesFor(transition), updatedAt: currentTime() })
      .where("id", "=", folderId)
      .where("state", "in", from)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (
      transition.state === "archived" &&
      isUniqueViolation(error, "folders_archived_name_on_tape")
    ) {
      throw await nameTakenOnTape(db, folderId, transition.tapeBarcode, error);
    }
    throw error;
  }
  if (folder !== undefined) return folder;
  const current = await getFolder(db, folderId);
  if (current === null) throw folderNotFound(`id ${folderId}`);
  throw new PytarchiveError(
    CATALOG_ERROR_CODES.folderStateTransition,
    `Folder ${current.path} cannot go from ${current.state} to ${transition.state}: only a folder that is ${from.join(" or ")} can.`,
    { hint: stateHint(current.state) },
  );
}

/**
 * archiving → prepared: the archive job ended without archiving the folder (failed or aborted);
 * its measurements and packed archive stay, so it can be archived again at once. Null (nothing
 * changed) when the folder is not being archived.
 */
export async function returnFolderToPrepared(
  db: Kysely<CatalogSchema>,
  folderId: number,
): Promise<FolderRow | null> {
  const folder = await db
    .updateTable("folders")
    .set({ state: "prepared", error: null, updatedAt: currentTime() })
    .where("id", "=", folderId)
    // The table's other way into prepared (from preparing) brings measurements: setFolderState.
    .where(
      "state",
      "in",
      FOLDER_TRANSITIONS.prepared.filter((from) => from !== "preparing"),
    )
    .returningAll()
    .executeTakeFirst();
  return folder ?? null;
}

function changesFor(transition: FolderTransition): UpdateObject<CatalogSchema, "folders"> {
  switch (transition.state) {
    case "preparing":
      return { state: "preparing", error: null };
    case "prepared":
      return {
        state: "prepared",
        error: null,
        sizeKib: transition.sizeKib,
        fileCount: transition.fileCount,
        compressed: transition.compressed,
        archivePath: transition.archivePath,
        measuredAt: currentTime(),
      };
    case "archiving":
      return { state: "archiving", error: null, targetName: transition.targetName };
    case "archived":
      return {
        state: "archived",
        error: null,
        tapeBarcode: transition.tapeBarcode,
        verifiedAt: transition.verifiedAt ?? currentTime(),
        archivedAt: currentTime(),
        // Its files' checksums were computed from the original while it was copied.
        checksumsFrom: "original",
      };
    case "failed":
      return { state: "failed", error: transition.error };
  }
}

/**
 * Starts (or restarts) preparing the folder at `path`: a new folder, or one whose earlier prepare
 * failed or is still marked preparing (a redelivered prepare job), becomes `preparing`. A folder
 * already prepared, being archived or archived is refused with FOLDER_ALREADY_KNOWN.
 */
export async function startPreparingFolder(
  db: Kysely<CatalogSchema>,
  input: { path: string; description: string; compressed?: boolean },
): Promise<FolderRow> {
  const folder = await db
    .insertInto("folders")
    .values({
      path: input.path,
      description: input.description,
      state: "preparing",
      compressed: input.compressed ?? false,
    })
    .onConflict((conflict) =>
      conflict
        .column("path")
        .doUpdateSet({
          description: input.description,
          state: "preparing",
          error: null,
          compressed: input.compressed ?? false,
          updatedAt: currentTime(),
        })
        .where("folders.state", "in", ["preparing", "failed"]),
    )
    .returningAll()
    .executeTakeFirst();
  if (folder !== undefined) return folder;
  const existing = await findFolderByPath(db, input.path);
  throw new PytarchiveError(
    CATALOG_ERROR_CODES.folderAlreadyKnown,
    `Folder ${input.path} is already ${existing?.state ?? "known"}${existing?.tapeBarcode ? ` on tape ${existing.tapeBarcode}` : ""}; it is not prepared again.`,
    { hint: "`pytarchive summary` lists prepared and archived folders." },
  );
}

/**
 * Records a measured folder as `prepared`, inserting it when unknown. An existing folder must be
 * preparing, prepared (measured again) or failed; otherwise FOLDER_ALREADY_KNOWN.
 */
export async function upsertPreparedFolder(
  db: Kysely<CatalogSchema>,
  input: {
    path: string;
    description: string;
    sizeKib: number;
    /** Apparent size in bytes; null when the prepare step did not report it. */
    apparentBytes?: number | null;
    fileCount: number;
    compressed: boolean;
    archivePath: string | null;
  },
): Promise<FolderRow> {
  const measured = {
    description: input.description,
    sizeKib: input.sizeKib,
    apparentBytes: input.apparentBytes ?? null,
    fileCount: input.fileCount,
    compressed: input.compressed,
    archivePath: input.archivePath,
    measuredAt: currentTime(),
  };
  const folder = await db
    .insertInto("folders")
    .values({ path: input.path, state: "prepared", ...measured })
    .onConflict((conflict) =>
      conflict
        .column("path")
        .doUpdateSet({ ...measured, state: "prepared", error: null, updatedAt: currentTime() })
        .where("folders.state", "in", ["preparing", "prepared", "failed"]),
    )
    .returningAll()
    .executeTakeFirst();
  if (folder !== undefined) return folder;
  const existing = await findFolderByPath(db, input.path);
  throw new PytarchiveError(
    CATALOG_ERROR_CODES.folderAlreadyKnown,
    `Folder ${input.path} is already ${existing?.state ?? "known"}; it cannot be marked prepared again.`,
    { hint: "`pytarchive summary` lists prepared and archived folders." },
  );
}

/**
 * KiB a folder takes on an LTFS tape: its apparent size (LTFS stores sparse files in full),
 * rounded up, or its `du -s` KiB when the apparent size was not recorded (prepared before it
 * was), whichever is larger.
 *
 * @example roomKiBOf({ sizeKib: 8, apparentBytes: 1_572_864_000 }) // 1536000
 */
export function roomKiBOf(folder: {
  readonly sizeKib: number | null;
  readonly apparentBytes: number | null;
}): number {
  const apparentKiB = folder.apparentBytes === null ? 0 : Math.ceil(folder.apparentBytes / 1024);
  return Math.max(folder.sizeKib ?? 0, apparentKiB);
}

/** Records that a fixity check of an archived folder passed at `verifiedAt`. */
export async function recordFolderVerified(
  db: Kysely<CatalogSchema>,
  folderId: number,
  verifiedAt: Date,
): Promise<FolderRow> {
  const folder = await db
    .updateTable("folders")
    .set({ verifiedAt, updatedAt: currentTime() })
    .where("id", "=", folderId)
    .returningAll()
    .executeTakeFirst();
  if (folder === undefined) throw folderNotFound(`id ${folderId}`);
  return folder;
}

/**
 * Sets (a check passed) or clears (it failed) when an archived folder was last verified. Null,
 * with nothing changed, when the folder is not archived.
 */
export async function setArchivedFolderVerifiedAt(
  db: Kysely<CatalogSchema>,
  folderId: number,
  verifiedAt: Date | null,
  /** `verify --adopt`: the files recorded now have the original's checksums. */
  options: { adopted?: boolean } = {},
): Promise<FolderRow | null> {
  const folder = await db
    .updateTable("folders")
    .set({
      verifiedAt,
      updatedAt: currentTime(),
      ...(options.adopted === true ? { checksumsFrom: "adopted" as const } : {}),
    })
    .where("id", "=", folderId)
    .where("state", "=", "archived")
    .returningAll()
    .executeTakeFirst();
  return folder ?? null;
}

export async function getFolder(db: Kysely<CatalogSchema>, id: number): Promise<FolderRow | null> {
  return (
    (await db.selectFrom("folders").selectAll().where("id", "=", id).executeTakeFirst()) ?? null
  );
}

/** The folder whose original is at `path` (absolute, as given to `prepare`), or null. */
export async function findFolderByPath(
  db: Kysely<CatalogSchema>,
  path: string,
): Promise<FolderRow | null> {
  return (
    (await db.selectFrom("folders").selectAll().where("path", "=", path).executeTakeFirst()) ?? null
  );
}

/**
 * The folder at `path`, locked until the transaction ends (so its state and files cannot change
 * meanwhile), or null. Call inside a transaction.
 */
export async function lockFolderByPath(
  db: Kysely<CatalogSchema>,
  path: string,
): Promise<FolderRow | null> {
  return (
    (await db
      .selectFrom("folders")
      .selectAll()
      .where("path", "=", path)
      .forUpdate()
      .executeTakeFirst()) ?? null
  );
}

/** The folders archived on one tape, by name on tape (byte order). */
export function listArchivedFoldersOnTape(
  db: Kysely<CatalogSchema>,
  barcode: string,
): Promise<FolderRow[]> {
  return db
    .selectFrom("folders")
    .selectAll()
    .where("state", "=", "archived")
    .where("tapeBarcode", "=", barcode)
    .orderBy(sql`target_name collate "C"`)
    .orderBy(sql`path collate "C"`)
    .execute();
}

/** Archived folders, by tape then name on tape. */
export function listArchivedFolders(db: Kysely<CatalogSchema>): Promise<FolderRow[]> {
  return db
    .selectFrom("folders")
    .selectAll()
    .where("state", "=", "archived")
    .orderBy("tapeBarcode")
    .orderBy(sql`target_name collate "C"`)
    .execute();
}

/** Prepared folders, the most recently measured first (as the original's summary). */
export function listPreparedFolders(db: Kysely<CatalogSchema>): Promise<FolderRow[]> {
  return db
    .selectFrom("folders")
    .selectAll()
    .where("state", "=", "prepared")
    .orderBy("updatedAt", "desc")
    .orderBy("id", "desc")
    .execute();
}

async function nameTakenOnTape(
  db: Kysely<CatalogSchema>,
  folderId: number,
  tapeBarcode: string,
  cause: unknown,
): Promise<PytarchiveError> {
  const folder = await getFolder(db, folderId);
  const holder = await db
    .selectFrom("folders")
    .select(["path", "targetName"])
    .where("state", "=", "archived")
    .where("tapeBarcode", "=", tapeBarcode)
    .where("targetName", "=", folder?.targetName ?? "")
    .executeTakeFirst();
  return new PytarchiveError(
    CATALOG_ERROR_CODES.folderNameTakenOnTape,
    `Tape ${tapeBarcode} already holds an archived folder named ${folder?.targetName ?? "(unknown)"}${holder ? ` (from ${holder.path})` : ""}; ${folder?.path ?? `folder ${folderId}`} was not marked archived.`,
    { hint: "Archive it under another name with `-t NAME`, or to another tape.", cause },
  );
}

function folderNotFound(what: string): PytarchiveError {
  return new PytarchiveError(
    CATALOG_ERROR_CODES.folderNotFound,
    `No folder with ${what} in the catalog.`,
    {
      hint: "`pytarchive summary` lists the folders the catalog knows.",
    },
  );
}

function stateHint(state: FolderState): string {
  switch (state) {
    case "preparing":
      return "Wait for its prepare job to finish (`pytarchive queue`).";
    case "prepared":
      return "It is prepared: archive it with `pytarchive archive FOLDER TAPE`.";
    case "archiving":
      return "Its archive job is still running or queued (`pytarchive queue`).";
    case "archived":
      return "It is already archived (`pytarchive summary`).";
    case "failed":
      return "It failed earlier: requeue its job (`pytarchive requeue ID`) to retry.";
  }
}
