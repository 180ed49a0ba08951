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

/**
 * A folder's files in the order they lie on tape, for a restore that never seeks backwards:
 * by partition (the index partition `a` first), then start block; files without a block (empty
 * ones) last; ties by path.
 */
export async function listFilesInTapeOrder(
  db: Kysely<CatalogSchema>,
  folderId: number,
): Promise<FileRow[]> {
  const rows = await db
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
    .where("folderId", "=", folderId)
    .orderBy("partition", (order) => order.nullsLast())
    .orderBy("startBlock", (order) => order.nullsLast())
    // Byte order, the same on every server whatever its default collation.
    .orderBy(sql`relative_path collate "C"`)
    .execute();
  return rows.map((row) => ({ ...row, mtimeNs: BigInt(row.mtimeNs) }));
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
