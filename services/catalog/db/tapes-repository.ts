import { type Kysely, sql } from "kysely";
import type {
  CatalogSchema,
  FolderRow,
  TapeGeneration,
  TapeRow,
  TapeState,
} from "./catalog-schema.ts";
import { roomKiBOf } from "./folders-repository.ts";
import { currentTime } from "./sql-helpers.ts";

const GENERATION_BY_SUFFIX: Readonly<Record<string, TapeGeneration>> = {
  L5: "L5",
  L6: "L6",
  L7: "L7",
  M8: "M8",
  L8: "L8",
  L9: "L9",
};

/**
 * The LTO generation a barcode's media suffix names (`AAK788L9` → `L9`, `ABJ406M8` → `M8`), or
 * null for other suffixes (cleaning tapes `CU`/`L1`, WORM, older generations). LTO-10's suffix is
 * not derived: pass `generation: "L10"` explicitly.
 */
export function generationFromBarcode(barcode: string): TapeGeneration | null {
  return GENERATION_BY_SUFFIX[barcode.slice(-2)] ?? null;
}

export interface TapeUpdate {
  barcode: string;
  /** The library the tape is in now (upsertTape: where the changer saw it). */
  libraryId?: string;
  volumeSerial?: string | null;
  volumeUuid?: string | null;
  generation?: TapeGeneration | null;
  state?: TapeState;
  cleaning?: boolean;
  /** Sticky: true marks the tape simulated for good; false never clears the mark. */
  simulated?: boolean;
  usedKib?: number | null;
  capacityKib?: number | null;
  homeSlot?: number | null;
  formattedAt?: Date | null;
  lastSeenAt?: Date | null;
}

/*
 * The simulated mark is sticky: a tape once seen in a simulated library is a loop image, and an
 * inventory that says otherwise (a configuration pointing at the simulator's changer without
 * `simulate`) must not turn its copies into archives that deleteable counts.
 */

/**
 * Inserts a tape into library `libraryId` or updates the fields given (absent fields keep their
 * value; a known tape moves to `libraryId`). A new tape's generation defaults to the one its
 * barcode names. `simulated` only ever goes from false to true.
 *
 * @example
 * await upsertTape(db, { barcode: "AAK788L9", libraryId: "default", homeSlot: 7, lastSeenAt: new Date() });
 */
export async function upsertTape(
  db: Kysely<CatalogSchema>,
  tape: TapeUpdate & { libraryId: string },
): Promise<TapeRow> {
  const { barcode, libraryId, ...fields } = tape;
  const given = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Omit<TapeUpdate, "barcode" | "libraryId">;
  const inserted = { barcode, generation: generationFromBarcode(barcode), ...given, libraryId };
  return db
    .insertInto("tapes")
    .values(inserted)
    .onConflict((conflict) =>
      Object.keys(given).length === 0
        ? conflict.column("barcode").doUpdateSet({ libraryId })
        : conflict.column("barcode").doUpdateSet({
            ...given,
            libraryId,
            ...(given.simulated === undefined
              ? {}
              : { simulated: sql<boolean>`tapes.simulated OR excluded.simulated` }),
            updatedAt: currentTime(),
          }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Changes the fields given of a known tape (absent fields keep their value); null, with nothing
 * written, when the tape is unknown. Unlike upsertTape it never adds a tape. `simulated` is
 * sticky here too.
 */
export async function updateTape(
  db: Kysely<CatalogSchema>,
  tape: TapeUpdate,
): Promise<TapeRow | null> {
  const { barcode, ...fields } = tape;
  const given = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Omit<TapeUpdate, "barcode">;
  const updated = await db
    .updateTable("tapes")
    .set({
      ...given,
      ...(given.simulated === undefined
        ? {}
        : { simulated: sql<boolean>`simulated OR ${given.simulated}` }),
      updatedAt: currentTime(),
    })
    .where("barcode", "=", barcode)
    .returningAll()
    .executeTakeFirst();
  return updated ?? null;
}

/** The tape, locked until the transaction ends, or null. Call inside a transaction. */
export async function lockTape(
  db: Kysely<CatalogSchema>,
  barcode: string,
): Promise<TapeRow | null> {
  return (
    (await db
      .selectFrom("tapes")
      .selectAll()
      .where("barcode", "=", barcode)
      .forUpdate()
      .executeTakeFirst()) ?? null
  );
}

export async function getTape(db: Kysely<CatalogSchema>, barcode: string): Promise<TapeRow | null> {
  return (
    (await db.selectFrom("tapes").selectAll().where("barcode", "=", barcode).executeTakeFirst()) ??
    null
  );
}

/**
 * A folder's room on tape in SQL, as roomKiBOf computes it: apparent KiB rounded up, or the
 * `du -s` KiB when larger or the apparent size is unknown (greatest() skips nulls).
 */
export const FOLDER_ROOM_KIB_SQL = sql<number>`greatest(size_kib, ceil(apparent_bytes / 1024.0))`;

/** KiB the catalog has archived on the tape: the sum of its archived folders' room (roomKiBOf). */
export async function getArchivedKiB(db: Kysely<CatalogSchema>, barcode: string): Promise<number> {
  const row = await db
    .selectFrom("folders")
    // sum(int8) is numeric (a string from either driver); back to int8 so it parses as a number.
    .select(sql<number>`coalesce(sum(${FOLDER_ROOM_KIB_SQL}), 0)::bigint`.as("archivedKib"))
    .where("tapeBarcode", "=", barcode)
    .where("state", "=", "archived")
    .executeTakeFirstOrThrow();
  return row.archivedKib;
}

export interface TapeWithFolders extends TapeRow {
  /** Sum of the archived folders' room on tape (roomKiBOf). */
  readonly archivedKib: number;
  /** Every folder recorded on the tape (archived, or failed later), the largest first. */
  readonly folders: FolderRow[];
}

/**
 * Data tapes (not cleaning tapes) by barcode, each with its folders: what `summary` shows. Only
 * the tapes in library `libraryId` when given; absent: every library's.
 */
export async function listTapesWithFolders(
  db: Kysely<CatalogSchema>,
  libraryId?: string,
): Promise<TapeWithFolders[]> {
  let tapesQuery = db.selectFrom("tapes").selectAll().where("cleaning", "=", false);
  if (libraryId !== undefined) tapesQuery = tapesQuery.where("libraryId", "=", libraryId);
  const [tapes, folders] = await Promise.all([
    tapesQuery.orderBy("barcode").execute(),
    db
      .selectFrom("folders")
      .selectAll()
      .where("tapeBarcode", "is not", null)
      .orderBy("sizeKib", "desc")
      .orderBy(sql`path collate "C"`)
      .execute(),
  ]);
  return tapes.map((tape) => {
    const onTape = folders.filter((folder) => folder.tapeBarcode === tape.barcode);
    const archivedKib = onTape
      .filter((folder) => folder.state === "archived")
      .reduce((sum, folder) => sum + roomKiBOf(folder), 0);
    return { ...tape, archivedKib, folders: onTape };
  });
}
