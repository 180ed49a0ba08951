import type { Kysely } from "kysely";
import { expect, it } from "vitest";
import {
  type CatalogSchema,
  type FileRecord,
  insertFiles,
  listFilesInTapeOrder,
  startPreparingFolder,
  summariseFiles,
  upsertTape,
} from "../../../services/catalog/db/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";

const BASE_MTIME_NS = 1_700_000_000_123_456_789n;

async function archivingFolder(
  db: Kysely<CatalogSchema>,
  path = "/data/projects/alpha",
): Promise<number> {
  await upsertTape(db, { libraryId: "default", barcode: "AAK788L9" });
  return (await startPreparingFolder(db, { path, description: "test" })).id;
}

function file(
  folderId: number,
  relativePath: string,
  startBlock: number | null,
  partition: "a" | "b" | null,
): FileRecord {
  return {
    folderId,
    relativePath,
    sizeBytes: 1024,
    mtimeNs: BASE_MTIME_NS,
    mode: 0o100644,
    checksum: null,
    tapeBarcode: "AAK788L9",
    startBlock,
    partition,
  };
}

forEachDatabase("files repository", (catalog) => {
  it("insertFiles writes 10,000 files in batches and listFilesInTapeOrder reads them back in tape order", async () => {
    const folderId = await archivingFolder(catalog.db);
    // Written in scrambled order: block numbers are a permutation, every 97th file is empty (no
    // block), the first 50 files sit on the index partition.
    const files: FileRecord[] = Array.from({ length: 10_000 }, (_, index) => {
      const empty = index % 97 === 0;
      return {
        folderId,
        relativePath: `dir${index % 13}/file-${String(index).padStart(5, "0")}.dat`,
        sizeBytes: empty ? 0 : 5_000_000_000 + index,
        mtimeNs: BASE_MTIME_NS + BigInt(index),
        mode: 0o100640,
        checksum: index.toString(16).padStart(64, "0"),
        tapeBarcode: "AAK788L9",
        startBlock: empty ? null : ((index * 7919) % 10_007) + 5,
        partition: empty ? null : index < 50 ? "a" : "b",
      };
    });
    expect(await insertFiles(catalog.db, files, { batchSize: 1500 })).toBe(10_000);

    const stored = await listFilesInTapeOrder(catalog.db, folderId);
    const rank = (partition: string | null) => (partition === "a" ? 0 : partition === "b" ? 1 : 2);
    const expected = [...files].sort(
      (x, y) =>
        rank(x.partition) - rank(y.partition) ||
        (x.startBlock ?? Number.MAX_SAFE_INTEGER) - (y.startBlock ?? Number.MAX_SAFE_INTEGER) ||
        (x.relativePath < y.relativePath ? -1 : x.relativePath > y.relativePath ? 1 : 0),
    );
    expect(stored).toHaveLength(10_000);
    expect(stored.map(({ id: _id, ...record }) => record)).toEqual(expected);
    expect(stored.every((row) => typeof row.id === "number")).toBe(true);
    expect(stored.at(-1)?.startBlock).toBeNull();
    expect(await summariseFiles(catalog.db, folderId)).toEqual({
      fileCount: 10_000,
      totalBytes: files.reduce((sum, row) => sum + row.sizeBytes, 0),
    });
  });

  it("keeps nanosecond modification times exactly, beyond 2^53", async () => {
    const folderId = await archivingFolder(catalog.db);
    const times = [0n, 1n, 9_007_199_254_740_993n, 1_732_600_000_999_999_999n];
    await insertFiles(
      catalog.db,
      times.map((mtimeNs, index) => ({ ...file(folderId, `f${index}`, index + 1, "b"), mtimeNs })),
    );
    expect((await listFilesInTapeOrder(catalog.db, folderId)).map((row) => row.mtimeNs)).toEqual(
      times,
    );
  });

  it("orders files without a block by path in byte order, whatever the server's collation", async () => {
    const folderId = await archivingFolder(catalog.db);
    const paths = ["ab", "a_b", "B.txt", "a.txt", "Ä.txt", "a b"];
    await insertFiles(
      catalog.db,
      paths.map((path) => file(folderId, path, null, null)),
    );
    expect(
      (await listFilesInTapeOrder(catalog.db, folderId)).map((row) => row.relativePath),
    ).toEqual(["B.txt", "a b", "a.txt", "a_b", "ab", "Ä.txt"]);
  });

  it("insertFiles a second time updates the rows instead of duplicating them, and keeps folders apart", async () => {
    const folderId = await archivingFolder(catalog.db);
    const otherId = await archivingFolder(catalog.db, "/data/projects/beta");
    await insertFiles(catalog.db, [
      file(folderId, "a.txt", null, null),
      file(otherId, "a.txt", 9, "b"),
    ]);
    expect(await insertFiles(catalog.db, [file(folderId, "a.txt", 42, "b")])).toBe(1);
    const rows = await listFilesInTapeOrder(catalog.db, folderId);
    expect(rows.map((row) => [row.relativePath, row.startBlock, row.partition])).toEqual([
      ["a.txt", 42, "b"],
    ]);
    expect((await listFilesInTapeOrder(catalog.db, otherId)).map((row) => row.startBlock)).toEqual([
      9,
    ]);
    expect(await insertFiles(catalog.db, [])).toBe(0);
  });

  it("a batch with a bad row writes none of the files", async () => {
    const folderId = await archivingFolder(catalog.db);
    const files = Array.from({ length: 30 }, (_, index) => file(folderId, `f${index}`, index, "b"));
    files[25] = { ...file(folderId, "bad", 1, "b"), checksum: "not-a-sha256" };
    await expect(insertFiles(catalog.db, files, { batchSize: 10 })).rejects.toMatchObject({
      code: "23514",
    });
    expect(await summariseFiles(catalog.db, folderId)).toEqual({ fileCount: 0, totalBytes: 0 });
  });
});
