import type { Kysely } from "kysely";
import {
  type CatalogFile,
  type FolderFilesCursor,
  MAX_FILES_PER_REQUEST,
} from "../../shared/messages/index.ts";
import { CATALOG_REFUSAL_CODES, refuse } from "./catalog-errors.ts";
import {
  type CatalogSchema,
  checksumCoverage,
  FILES_PER_TRANSACTION,
  type FileRow,
  findFolderByPath,
  inTransaction,
  listFilesInTapeOrder,
  type TapeOrderKey,
} from "./db/index.ts";
import { fileToWire } from "./to-wire.ts";

/**
 * One page of an archived folder's files in tape order (partition a, then b, by start block;
 * empty files last), for restore and verify: the files after `after` (keyset paging, so every
 * page costs the same), and `next`, the `after` of the following page (null after the last).
 * The first page (no `after`) also counts the folder's files and checks that every one has a
 * checksum: a file without one could not be checked after a restore, so no page is handed out
 * rather than a restore that stops half-way. Both are done once per listing, not per page: an
 * archived folder's files do not change. Refused when the folder is unknown or not archived.
 */
export async function listFolderFiles(
  db: Kysely<CatalogSchema>,
  input: { path: string; after?: FolderFilesCursor; limit?: number },
): Promise<{ files: CatalogFile[]; total?: number; next: FolderFilesCursor | null }> {
  const first = input.after === undefined;
  const { folderId, total } = await inTransaction(db, async (trx) => {
    const folder = await findFolderByPath(trx, input.path);
    if (folder === null || folder.state !== "archived") {
      throw refuse(
        folder === null
          ? CATALOG_REFUSAL_CODES.folderNotFound
          : CATALOG_REFUSAL_CODES.folderNotArchived,
        `${input.path} is not archived${folder === null ? " (the catalog does not know it)" : ` (it is ${folder.state})`}, so the catalog has no file list to give.`,
        "`pytarchive summary` lists the archived folders on each tape.",
      );
    }
    if (!first) return { folderId: folder.id, total: undefined };
    const coverage = await checksumCoverage(trx, folder.id);
    if (coverage.missing > 0) {
      const more = coverage.missing > 1 ? ` and ${coverage.missing - 1} more files` : "";
      throw refuse(
        CATALOG_REFUSAL_CODES.fileChecksumMissing,
        `The catalog has no checksum for ${coverage.firstMissingPath ?? "a file"}${more} in the archive of ${input.path}, so it cannot be restored or verified safely.`,
        "Archive the folder again (prepare it, then archive it to another tape or under another name) so every file gets a checksum.",
      );
    }
    return { folderId: folder.id, total: coverage.total };
  });
  const limit = input.limit ?? MAX_FILES_PER_REQUEST;
  // One row more than the page tells whether another page follows, without an empty last page.
  const rows = await readTapeOrderRows(db, folderId, limit + 1, keyOfCursor(input.after));
  const page = rows.slice(0, limit);
  // Checked on the first page: every file has a checksum (and none is added once archived).
  const files = page.map((row) => fileToWire({ ...row, checksum: row.checksum ?? "" }));
  const last = files.at(-1);
  const next =
    rows.length > limit && last !== undefined
      ? { path: last.path, startBlock: last.startBlock, partition: last.partition }
      : null;
  return first ? { files, total, next } : { files, next };
}

/**
 * Up to `count` rows after `after`, read FILES_PER_TRANSACTION at a time: each read is short, and
 * others' queries go between them. An archived folder's files do not change, so the reads need
 * no common transaction.
 */
async function readTapeOrderRows(
  db: Kysely<CatalogSchema>,
  folderId: number,
  count: number,
  after: TapeOrderKey | undefined,
): Promise<FileRow[]> {
  const rows: FileRow[] = [];
  let cursor = after;
  while (rows.length < count) {
    const wanted = Math.min(FILES_PER_TRANSACTION, count - rows.length);
    const slice = await listFilesInTapeOrder(db, folderId, {
      limit: wanted,
      ...(cursor === undefined ? {} : { after: cursor }),
    });
    rows.push(...slice);
    const last = slice.at(-1);
    if (slice.length < wanted || last === undefined) break;
    cursor = {
      partition: last.partition,
      startBlock: last.startBlock,
      relativePath: last.relativePath,
    };
  }
  return rows;
}

function keyOfCursor(cursor: FolderFilesCursor | undefined): TapeOrderKey | undefined {
  return cursor === undefined
    ? undefined
    : { partition: cursor.partition, startBlock: cursor.startBlock, relativePath: cursor.path };
}
