import type { Kysely } from "kysely";
import { sql } from "kysely";
import { expect, it } from "vitest";
import {
  analyzeFiles,
  type CatalogSchema,
  checksumCoverage,
  claimNextJob,
  countFiles,
  createJob,
  deleteFolderFiles,
  type FileRecord,
  getJob,
  insertFiles,
  listArchivedFoldersOnTape,
  listFilesInTapeOrder,
  markJobDone,
  markJobFailed,
  requeueJobs,
  setArchivedFolderVerifiedAt,
  setFolderState,
  setPendingError,
  startJobById,
  startPreparingFolder,
  type TapeOrderKey,
  updateTape,
  upsertPreparedFolder,
  upsertTape,
} from "../../../services/catalog/db/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { explain } from "../../helpers/query-log.ts";

const ERROR = { code: "LTFS_WRITE_FAILED", message: "No space left on tape AAK788L9", hint: "x" };

async function folderWithFiles(db: Kysely<CatalogSchema>, path = "/data/alpha"): Promise<number> {
  await upsertTape(db, { libraryId: "default", barcode: "AAK788L9" });
  return (await startPreparingFolder(db, { path, description: "test" })).id;
}

function file(
  folderId: number,
  relativePath: string,
  startBlock: number | null,
  partition: "a" | "b" | null,
  checksum: string | null = "c".repeat(64),
): FileRecord {
  return {
    folderId,
    relativePath,
    sizeBytes: startBlock === null ? 0 : 10,
    mtimeNs: 1_700_000_000_000_000_001n,
    mode: 0o100644,
    checksum,
    tapeBarcode: "AAK788L9",
    startBlock,
    partition,
  };
}

async function archived(db: Kysely<CatalogSchema>, path: string, tape: string, name: string) {
  const folder = await upsertPreparedFolder(db, {
    path,
    description: name,
    sizeKib: 10,
    fileCount: 1,
    compressed: false,
    archivePath: null,
  });
  await setFolderState(db, folder.id, { state: "archiving", targetName: name });
  return setFolderState(db, folder.id, { state: "archived", tapeBarcode: tape });
}

forEachDatabase("tape job repository functions", (catalog) => {
  it("startJobById starts a queued job on its drive, counting an attempt, and only once", async () => {
    const job = await createJob(catalog.db, {
      libraryId: "default",
      kind: "archive",
      args: { folder: "/a" },
    });
    const started = await startJobById(catalog.db, job.id, { drive: 257 });
    expect(started).toMatchObject({
      id: job.id,
      state: "running",
      attempts: 1,
      drive: 257,
      pendingError: null,
      progress: null,
    });
    expect(started?.startedAt).toBeInstanceOf(Date);
    expect(await startJobById(catalog.db, job.id, { drive: 258 })).toBeNull();
    expect(await getJob(catalog.db, job.id)).toMatchObject({ attempts: 1, drive: 257 });
    expect(await startJobById(catalog.db, "deadbeef", { drive: null })).toBeNull();
  });

  it("of two concurrent startJobById calls for one job exactly one wins", async () => {
    const job = await createJob(catalog.db, {
      libraryId: "default",
      kind: "restore",
      args: { folder: "/a" },
    });
    const results = await Promise.all([
      startJobById(catalog.db, job.id, { drive: 1 }),
      startJobById(catalog.db, job.id, { drive: 2 }),
    ]);
    expect(results.filter((result) => result !== null)).toHaveLength(1);
    expect((await getJob(catalog.db, job.id))?.attempts).toBe(1);
  });

  it("setPendingError keeps the error of a running job only; requeue clears it and keeps the drive", async () => {
    const job = await createJob(catalog.db, {
      libraryId: "default",
      kind: "archive",
      args: { folder: "/a" },
    });
    expect(await setPendingError(catalog.db, job.id, ERROR)).toBeNull();
    await startJobById(catalog.db, job.id, { drive: 3 });
    expect(
      await setPendingError(catalog.db, job.id, ERROR, { progress: "releasing the drive" }),
    ).toMatchObject({ pendingError: ERROR, progress: "releasing the drive", state: "running" });

    const failed = await markJobFailed(catalog.db, job.id, "LTFS_WRITE_FAILED: no space");
    expect(failed).toMatchObject({ state: "failed", drive: 3, pendingError: ERROR });
    const [requeued] = await requeueJobs(catalog.db, { ids: [job.id] });
    expect(requeued).toMatchObject({ state: "queued", drive: 3, pendingError: null, error: null });

    await startJobById(catalog.db, job.id, { drive: 4 });
    await setPendingError(catalog.db, job.id, ERROR);
    const done = await markJobDone(catalog.db, job.id);
    expect(done).toMatchObject({ state: "done", drive: 4, attempts: 2 });
  });

  it("a new run started by startJobById or claimNextJob forgets the pending error of the last", async () => {
    const job = await createJob(catalog.db, {
      libraryId: "default",
      kind: "archive",
      args: { folder: "/a" },
    });
    await startJobById(catalog.db, job.id, { drive: 0 });
    await setPendingError(catalog.db, job.id, ERROR);
    // A pending error left behind by a job failed some other way (here directly).
    await markJobFailed(catalog.db, job.id, "stopped");
    await catalog.db
      .updateTable("jobs")
      .set({ state: "queued", pendingError: sql<string>`'{"code":"OLD","message":"m"}'::jsonb` })
      .where("id", "=", job.id)
      .execute();
    expect(await startJobById(catalog.db, job.id, { drive: 1 })).toMatchObject({
      pendingError: null,
      drive: 1,
    });
    await catalog.db
      .updateTable("jobs")
      .set({ state: "queued", pendingError: sql<string>`'{"code":"OLD","message":"m"}'::jsonb` })
      .where("id", "=", job.id)
      .execute();
    expect(await claimNextJob(catalog.db)).toMatchObject({ id: job.id, pendingError: null });
  });

  it("the database refuses a negative drive and a pending error that is not an object", async () => {
    const job = await createJob(catalog.db, {
      libraryId: "default",
      kind: "archive",
      args: { folder: "/a" },
    });
    await expect(startJobById(catalog.db, job.id, { drive: -1 })).rejects.toMatchObject({
      code: "23514",
    });
    await expect(
      catalog.db
        .updateTable("jobs")
        .set({ pendingError: sql<string>`'"text"'::jsonb` })
        .where("id", "=", job.id)
        .execute(),
    ).rejects.toMatchObject({ code: "23514" });
    expect(await getJob(catalog.db, job.id)).toMatchObject({ state: "queued", drive: null });
  });

  it("listFilesInTapeOrder pages by key through partition a, then b, by start block, empty files last: complete at boundaries with equal blocks", async () => {
    const folderId = await folderWithFiles(catalog.db);
    await insertFiles(catalog.db, [
      file(folderId, "empty-z", null, null),
      file(folderId, "b-9", 9, "b"),
      file(folderId, "a-7", 7, "a"),
      file(folderId, "b-2", 2, "b"),
      file(folderId, "b-unplaced", null, "b"),
      file(folderId, "empty-a", null, null),
      file(folderId, "a-1", 1, "a"),
      file(folderId, "b-2-twin", 2, "b"),
      file(folderId, "b-2-twin-2", 2, "b"),
    ]);
    const order = [
      ...["a-1", "a-7", "b-2"],
      ...["b-2-twin", "b-2-twin-2", "b-9"],
      ...["b-unplaced", "empty-a", "empty-z"],
    ];
    for (const limit of [1, 2, 3, 4]) {
      const listed: string[] = [];
      let after: TapeOrderKey | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await listFilesInTapeOrder(catalog.db, folderId, { after, limit });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(limit);
        listed.push(...page.map((row) => row.relativePath));
        const last = page[page.length - 1];
        after = last;
      }
      expect(listed, `pages of ${limit}`).toEqual(order);
    }
    expect(await countFiles(catalog.db, folderId)).toBe(9);
  });

  it("the tape-order key has its own index, and a page deep into a folder is a range of it: no sort, no OFFSET", async () => {
    const result = await sql<{ indexname: string; indexdef: string }>`
      select indexname, indexdef from pg_indexes where tablename = 'files' order by indexname`.execute(
      catalog.db,
    );
    const names = result.rows.map((row) => row.indexname);
    expect(names).toContain("files_tape_order_keyset");
    expect(names).not.toContain("files_tape_order_paged");
    expect(names).not.toContain("files_tape_order");

    const folderId = await folderWithFiles(catalog.db);
    const files = Array.from({ length: 3000 }, (_, index) =>
      file(folderId, `f${index}`, 100 + Math.floor(index / 3), "b"),
    );
    await insertFiles(catalog.db, files);
    await analyzeFiles(catalog.db);
    const plan = await explain(catalog.db, (db) =>
      listFilesInTapeOrder(db, folderId, {
        after: { partition: "b", startBlock: 900, relativePath: "f2400" },
        limit: 10,
      }),
    );
    expect(plan).toContain("files_tape_order_keyset");
    expect(plan).not.toMatch(/\bSort\b/);
    expect(plan.toLowerCase()).not.toContain("offset");
  });

  it("checksumCoverage counts a folder's files and those without checksum, naming the first by path; deleteFolderFiles forgets a folder's files", async () => {
    const folderId = await folderWithFiles(catalog.db);
    const otherId = await folderWithFiles(catalog.db, "/data/beta");
    await insertFiles(catalog.db, [
      file(folderId, "ok", 1, "b"),
      file(folderId, "zz", 2, "b", null),
      file(folderId, "mm", 3, "b", null),
      file(otherId, "kept", 1, "b"),
    ]);
    expect(await checksumCoverage(catalog.db, folderId)).toEqual({
      total: 3,
      missing: 2,
      firstMissingPath: "mm",
    });
    expect(await checksumCoverage(catalog.db, otherId)).toEqual({
      total: 1,
      missing: 0,
      firstMissingPath: null,
    });
    expect(await deleteFolderFiles(catalog.db, folderId)).toBe(3);
    expect(await countFiles(catalog.db, folderId)).toBe(0);
    expect(await countFiles(catalog.db, otherId)).toBe(1);
  });

  it("listArchivedFoldersOnTape lists one tape's archived folders by name; verification is set or cleared on archived folders only", async () => {
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAA001L9" });
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAA002L9" });
    const beta = await archived(catalog.db, "/srv/one", "AAA001L9", "beta");
    await archived(catalog.db, "/srv/two", "AAA001L9", "Alpha");
    await archived(catalog.db, "/srv/three", "AAA002L9", "alpha");
    const prepared = await upsertPreparedFolder(catalog.db, {
      path: "/srv/four",
      description: "",
      sizeKib: 1,
      fileCount: 1,
      compressed: false,
      archivePath: null,
    });
    expect(
      (await listArchivedFoldersOnTape(catalog.db, "AAA001L9")).map((f) => f.targetName),
    ).toEqual(["Alpha", "beta"]);
    expect(await listArchivedFoldersOnTape(catalog.db, "NONE01L9")).toEqual([]);

    const at = new Date("2026-11-26T10:00:00.000Z");
    expect((await setArchivedFolderVerifiedAt(catalog.db, beta.id, at))?.verifiedAt).toEqual(at);
    expect((await setArchivedFolderVerifiedAt(catalog.db, beta.id, null))?.verifiedAt).toBeNull();
    expect(await setArchivedFolderVerifiedAt(catalog.db, prepared.id, at)).toBeNull();
  });

  it("updateTape changes only the fields given of a known tape and never adds one", async () => {
    await upsertTape(catalog.db, {
      libraryId: "default",
      barcode: "AAA001L9",
      homeSlot: 4,
      capacityKib: 1000,
    });
    const updated = await updateTape(catalog.db, {
      barcode: "AAA001L9",
      state: "formatted",
      volumeSerial: "AAA001",
    });
    expect(updated).toMatchObject({
      state: "formatted",
      volumeSerial: "AAA001",
      homeSlot: 4,
      capacityKib: 1000,
    });
    expect(await updateTape(catalog.db, { barcode: "NEW001L9", state: "formatted" })).toBeNull();
    expect(
      await catalog.db.selectFrom("tapes").select("barcode").orderBy("barcode").execute(),
    ).toEqual([{ barcode: "AAA001L9" }]);
  });
});
