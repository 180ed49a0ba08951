import { type Kysely, sql } from "kysely";
import type { CatalogSchema, TapePartition } from "./catalog-schema.ts";
import { inTransaction } from "./sql-helpers.ts";

/** One archived file as the catalog records it. */
export interface FileRecord {
  folderId: number;
  relativePath: string;
  sizeBytes: number;
  /** Modification time in nanoseconds since the epoch, as `fs.stat(path, { bigint: true })` gives. */
  mtimeNs: bigint;
  mode: number;
  checksum: string | null;
  tapeBarcode: string;
  startBlock: number | null;
  partition: TapePartition | null;
}

export interface FileRow extends FileRecord {
  readonly id: number;
}

/** 9 parameters a row: 1,000 rows stay far below PostgreSQL's 65,535 parameters a statement. */
export const FILE_BATCH_SIZE = 1000;

/**
 * Rows a transaction of bulk file work (recording a request's files, reading a page of them)
 * handles at most. The embedded catalog runs each statement on the event loop the gateway's and
 * the catalog's answers wait for (and, with `[Services] processes = split`, the gateway's too):
 * 1,000 rows took 70–120 ms there, 250 rows 15–20 ms, 100 rows under 10 ms; interactive queries
 * go first between transactions (prioritised-dialect.ts). Measured with the bench: the gateway's
 * `queue` p99 during a 20k-file archive fell below 50 ms with `each` at 100.
 */
export const FILES_PER_TRANSACTION = 100;

/** `items` cut into consecutive slices of at most `size`. */
export function slicesOf<T>(items: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    slices.push(items.slice(start, start + size));
  }
  return slices;
}

/**
 * Records files, in one transaction and batches of `batchSize` rows. A file already recorded for
 * the folder (same relative path) is updated, so a repeated step does not fail or duplicate rows.
 * Returns the number of rows written.
 *
 * @example
 * await insertFiles(db, [{ folderId: 1, relativePath: "a/b.dat", sizeBytes: 1024,
 *   mtimeNs: 1700000000123456789n, mode: 0o100644, checksum: null, tapeBarcode: "AAK788L9",
 *   startBlock: 7, partition: "b" }]);
 */
export async function insertFiles(
  db: Kysely<CatalogSchema>,
  files: readonly FileRecord[],
  options: { batchSize?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? FILE_BATCH_SIZE;
  if (files.length === 0) return 0;
  return inTransaction(db, async (trx) => {
    let written = 0;
    for (let start = 0; start < files.length; start += batchSize) {
      const batch = files.slice(start, start + batchSize).map((file) => ({
        ...file,
        mtimeNs: file.mtimeNs.toString(),
      }));
      const result = await trx
        .insertInto("files")
        .values(batch)
        .onConflict((conflict) =>
          conflict.columns(["folderId", "relativePath"]).doUpdateSet((eb) => ({
            sizeBytes: eb.ref("excluded.sizeBytes"),
            mtimeNs: eb.ref("excluded.mtimeNs"),
            mode: eb.ref("excluded.mode"),
            checksum: eb.ref("excluded.checksum"),
            tapeBarcode: eb.ref("excluded.tapeBarcode"),
            startBlock: eb.ref("excluded.startBlock"),
            partition: eb.ref("excluded.partition"),
          })),
        )
        .executeTakeFirst();
      written += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    return written;
  });
}

/** Where a page of a folder's files in tape order ends: the last file's place and path. */
export interface TapeOrderKey {
  partition: TapePartition | null;
  startBlock: number | null;
  relativePath: string;
}

/*
 * The tape order as one key without NULLs (files without a partition or block sort last), so that
 * "the rows after this one" is a row comparison. Exactly the expressions of the index
 * `files_tape_order_keyset` (migration 0007): a page is an index range, never a sort or a skip.
 */
const PARTITION_KEY = sql`(coalesce(partition, 'z') collate "C")`;
const START_BLOCK_KEY = sql`coalesce(start_block, 9223372036854775807)`;
// Byte order, the same on every server whatever its default collation.
const PATH_KEY = sql`(relative_path collate "C")`;

/**
 * A folder's files in the order they lie on tape, for a restore that never seeks backwards:
 * by partition (the index partition `a` first), then start block; files without a block (empty
 * ones) last; ties by path. With `after`, only the files after that key (keyset paging: each
 * page costs the same however deep into the folder it is); with `limit`, at most that many.
 *
 * @example
 * const first = await listFilesInTapeOrder(db, folderId, { limit: 2000 });
 * const { partition, startBlock, relativePath } = first[first.length - 1];
 * const second = await listFilesInTapeOrder(db, folderId, { limit: 2000, after: { partition, startBlock, relativePath } });
 */
export async function listFilesInTapeOrder(
  db: Kysely<CatalogSchema>,
  folderId: number,
  page: { after?: TapeOrderKey; limit?: number } = {},
): Promise<FileRow[]> {
  let query = db
    .selectFrom("files")
    .select([
      "id",
      "folderId",
      "relativePath",
      "sizeBytes",
      // int8 beyond 2^53: as text, made a bigint below.
      sql<string>`mtime_ns::text`.as("mtimeNs"),
      "mode",
      "checksum",
      "tapeBarcode",
      "startBlock",
      "partition",
    ])
    .where("folderId", "=", folderId);
  const { after } = page;
  if (after !== undefined) {
    query = query.where(
      sql<boolean>`(${PARTITION_KEY}, ${START_BLOCK_KEY}, ${PATH_KEY}) > (coalesce(${after.partition}::text, 'z'), coalesce(${after.startBlock}::bigint, 9223372036854775807), ${after.relativePath}::text)`,
    );
  }
  query = query.orderBy(PARTITION_KEY).orderBy(START_BLOCK_KEY).orderBy(PATH_KEY);
  if (page.limit !== undefined) query = query.limit(page.limit);
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, mtimeNs: BigInt(row.mtimeNs) }));
}

/**
 * Brings the planner's statistics of the files table up to date (PGlite has no autovacuum, and
 * PostgreSQL's comes later): without them a folder of 200,000 files just recorded is estimated
 * at a few hundred rows and every page is planned as a scan and sort. Only folder_id's, the
 * column every query on files selects by, from a small sample (migration 0010): it costs about
 * the same at any table size; callers run it after large inserts.
 */
export async function analyzeFiles(db: Kysely<CatalogSchema>): Promise<void> {
  await sql`analyze files (folder_id)`.execute(db);
}

/** Number of files recorded for a folder. */
export async function countFiles(db: Kysely<CatalogSchema>, folderId: number): Promise<number> {
  const row = await db
    .selectFrom("files")
    .select(sql<number>`count(*)`.as("files"))
    .where("folderId", "=", folderId)
    .executeTakeFirstOrThrow();
  return Number(row.files);
}

/**
 * A folder's files, and those recorded without a checksum (they cannot be restored or verified
 * safely): how many of each, and the first of the latter by path, to name in an error. One pass
 * over the folder's files (200,000 of them take tens of ms a pass).
 */
export async function checksumCoverage(
  db: Kysely<CatalogSchema>,
  folderId: number,
): Promise<{ total: number; missing: number; firstMissingPath: string | null }> {
  const row = await db
    .selectFrom("files")
    .select([
      sql<number>`count(*)`.as("total"),
      sql<number>`count(*) filter (where checksum is null)`.as("missing"),
      sql<string | null>`min(relative_path collate "C") filter (where checksum is null)`.as(
        "firstMissingPath",
      ),
    ])
    .where("folderId", "=", folderId)
    .executeTakeFirstOrThrow();
  return {
    total: Number(row.total),
    missing: Number(row.missing),
    firstMissingPath: row.firstMissingPath,
  };
}

/** Forgets every file recorded for a folder (an unfinished earlier write); returns how many. */
export async function deleteFolderFiles(
  db: Kysely<CatalogSchema>,
  folderId: number,
): Promise<number> {
  const result = await db.deleteFrom("files").where("folderId", "=", folderId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Number of files and their total size recorded for a folder. */
export async function summariseFiles(
  db: Kysely<CatalogSchema>,
  folderId: number,
): Promise<{ fileCount: number; totalBytes: number }> {
  return db
    .selectFrom("files")
    .select([
      sql<number>`count(*)`.as("fileCount"),
      sql<number>`coalesce(sum(size_bytes), 0)::bigint`.as("totalBytes"),
    ])
    .where("folderId", "=", folderId)
    .executeTakeFirstOrThrow();
}
