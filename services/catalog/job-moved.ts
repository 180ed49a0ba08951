import { type Kysely, sql } from "kysely";
import type { CatalogSchema, JobRow } from "./db/index.ts";

/** What a job read, wrote or checked, for its history. */
export interface Moved {
  readonly bytes: number;
  readonly files: number;
}

/**
 * What a finished job moved, from the catalog's own records: an archive or restore the files of
 * its folder (a restore of a subfolder: those below it), a verify those of its folder or tape,
 * a prepare the folder it measured. Null for jobs that move no files (explore, inventory) or
 * whose folder the catalog no longer knows.
 */
export async function movedByJob(db: Kysely<CatalogSchema>, job: JobRow): Promise<Moved | null> {
  const { folder, target, subfolder } = job.args;
  if (job.kind === "prepare" && typeof folder === "string") {
    const row = await db
      .selectFrom("folders")
      .select(["sizeKib", "fileCount"])
      .where("path", "=", folder)
      .executeTakeFirst();
    if (row?.sizeKib == null || row.fileCount == null) return null;
    return { bytes: row.sizeKib * 1024, files: row.fileCount };
  }
  if ((job.kind === "archive" || job.kind === "restore") && typeof folder === "string") {
    const below = job.kind === "restore" && typeof subfolder === "string" ? subfolder : null;
    return filesOfFolder(db, folder, below);
  }
  if (job.kind === "verify" && typeof target === "string") {
    if (target.startsWith("/")) return filesOfFolder(db, target, null);
    return filesOnTape(db, target);
  }
  return null;
}

async function filesOfFolder(
  db: Kysely<CatalogSchema>,
  path: string,
  below: string | null,
): Promise<Moved> {
  let query = db
    .selectFrom("files")
    .innerJoin("folders", "folders.id", "files.folderId")
    .where("folders.path", "=", path);
  if (below !== null) {
    const prefix = below.replace(/^\/+|\/+$/g, "");
    query = query.where((eb) =>
      eb.or([
        eb("files.relativePath", "=", prefix),
        eb(sql<string>`left(files.relative_path, ${prefix.length + 1})`, "=", `${prefix}/`),
      ]),
    );
  }
  return toMoved(await query.select(TOTALS).executeTakeFirstOrThrow());
}

async function filesOnTape(db: Kysely<CatalogSchema>, barcode: string): Promise<Moved> {
  const row = await db
    .selectFrom("files")
    .where("files.tapeBarcode", "=", barcode)
    .select(TOTALS)
    .executeTakeFirstOrThrow();
  return toMoved(row);
}

const TOTALS = [
  sql<number>`count(*)`.as("files"),
  sql<number>`coalesce(sum(files.size_bytes), 0)::bigint`.as("bytes"),
];

function toMoved(row: { files: number; bytes: number }): Moved {
  return { bytes: Number(row.bytes), files: Number(row.files) };
}
