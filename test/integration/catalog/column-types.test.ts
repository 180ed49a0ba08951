import type { Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import {
  appendEvent,
  type CatalogSchema,
  createJob,
  getArchivedKiB,
  insertFiles,
  listFilesInTapeOrder,
  markJobCommitted,
  setFolderState,
  setPendingError,
  startJobById,
  startPreparingFolder,
  summariseFiles,
  upsertTape,
} from "../../../services/catalog/db/index.ts";
import { catalogDatabaseFactories, forEachDatabase } from "../../helpers/databases.ts";

/*
 * pg and PGlite parse values differently by default (int8 is a string on pg, a number on PGlite).
 * These tests pin the JS type of every column, on each database and between the two.
 */

type JsType = "number" | "string" | "boolean" | "Date" | "null" | "array" | "object" | "bigint";

function jsType(value: unknown): JsType {
  if (value === null) return "null";
  if (value instanceof Date) return "Date";
  if (Array.isArray(value)) return "array";
  return typeof value as JsType;
}

function jsTypes(row: Record<string, unknown>): Record<string, JsType> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, jsType(value)]));
}

/** One row in every table, every nullable column filled, sizes beyond 2^32. */
async function seed(db: Kysely<CatalogSchema>): Promise<{ folderId: number }> {
  await upsertTape(db, {
    libraryId: "default",
    barcode: "AAK788L9",
    volumeSerial: "AAK788",
    volumeUuid: "3b6e2a3c-6d1f-4c1e-9a55-2f0f6c7d8e9a",
    state: "formatted",
    usedKib: 9_000_000_000,
    capacityKib: 17_138_671_616,
    homeSlot: 12,
    formattedAt: new Date("2026-01-02T03:04:05.678Z"),
    lastSeenAt: new Date("2026-11-25T10:00:00.000Z"),
  });
  const folder = await startPreparingFolder(db, {
    path: "/data/projects/alpha",
    description: "alpha",
  });
  await setFolderState(db, folder.id, {
    state: "prepared",
    sizeKib: 17_000_000_000,
    fileCount: 600_000,
    compressed: true,
    archivePath: "/scratch/projects_alpha.tar",
  });
  // Beyond 2^32 as well: a sparse 16 TB image measured by its length.
  await db
    .updateTable("folders")
    .set({ apparentBytes: 17_000_000_000_000 })
    .where("id", "=", folder.id)
    .execute();
  await setFolderState(db, folder.id, { state: "archiving", targetName: "projects_alpha" });
  await setFolderState(db, folder.id, {
    state: "archived",
    tapeBarcode: "AAK788L9",
    verifiedAt: new Date("2026-11-25T11:00:00.000Z"),
  });
  await insertFiles(db, [
    {
      folderId: folder.id,
      relativePath: "projects_alpha.tar",
      sizeBytes: 17_000_000_000 * 1024,
      mtimeNs: 1_732_600_000_123_456_789n,
      mode: 0o100644,
      checksum: "a".repeat(64),
      tapeBarcode: "AAK788L9",
      startBlock: 4_294_967_296,
      partition: "b",
    },
  ]);
  const job = await createJob(db, {
    libraryId: "default",
    kind: "archive",
    args: { folder: "/data/projects/alpha", count: 3 },
  });
  await startJobById(db, job.id, { drive: 256 });
  await setPendingError(db, job.id, { code: "LTFS_WRITE_FAILED", message: "no space" });
  await markJobCommitted(db, job.id, { bytes: 17_000_000_000 * 1024, files: 3 });
  await appendEvent(db, {
    jobId: job.id,
    kind: "FolderArchived",
    payload: { kib: 17_000_000_000 },
  });
  return { folderId: folder.id };
}

const EXPECTED_TYPES: Record<keyof CatalogSchema, Record<string, JsType>> = {
  tapes: {
    barcode: "string",
    libraryId: "string",
    volumeSerial: "string",
    volumeUuid: "string",
    generation: "string",
    state: "string",
    cleaning: "boolean",
    simulated: "boolean",
    usedKib: "number",
    capacityKib: "number",
    homeSlot: "number",
    formattedAt: "Date",
    lastSeenAt: "Date",
    createdAt: "Date",
    updatedAt: "Date",
  },
  folders: {
    id: "number",
    path: "string",
    targetName: "string",
    description: "string",
    state: "string",
    error: "null",
    sizeKib: "number",
    apparentBytes: "number",
    fileCount: "number",
    compressed: "boolean",
    archivePath: "string",
    tapeBarcode: "string",
    verifiedAt: "Date",
    createdAt: "Date",
    updatedAt: "Date",
    archivedAt: "Date",
    measuredAt: "Date",
    checksumsFrom: "string",
  },
  files: {
    id: "number",
    folderId: "number",
    relativePath: "string",
    sizeBytes: "number",
    mtimeNs: "bigint",
    mode: "number",
    checksum: "string",
    tapeBarcode: "string",
    startBlock: "number",
    partition: "string",
  },
  jobs: {
    id: "string",
    libraryId: "string",
    kind: "string",
    args: "object",
    priority: "number",
    state: "string",
    progress: "null",
    error: "null",
    attempts: "number",
    abortRequested: "boolean",
    legacyKey: "null",
    drive: "number",
    pendingError: "object",
    waitingOn: "null",
    waitingRetry: "boolean",
    currentStep: "null",
    committedAt: "Date",
    bytesMoved: "number",
    filesMoved: "number",
    seq: "number",
    createdAt: "Date",
    startedAt: "Date",
    finishedAt: "null",
    updatedAt: "Date",
  },
  events: { id: "number", jobId: "string", kind: "string", payload: "object", createdAt: "Date" },
};

/** Every table's rows as the repositories return them (files with their bigint mtime). */
async function readEverything(db: Kysely<CatalogSchema>, folderId: number) {
  return {
    tapes: await db.selectFrom("tapes").selectAll().execute(),
    folders: await db.selectFrom("folders").selectAll().execute(),
    files: await listFilesInTapeOrder(db, folderId),
    jobs: await db.selectFrom("jobs").selectAll().execute(),
    events: await db.selectFrom("events").selectAll().execute(),
  };
}

forEachDatabase("column types", (catalog) => {
  it("returns int8 columns as numbers, timestamps as Dates and JSON as parsed values", async () => {
    const { folderId } = await seed(catalog.db);
    const everything = await readEverything(catalog.db, folderId);
    for (const table of Object.keys(EXPECTED_TYPES) as (keyof CatalogSchema)[]) {
      const [row, ...more] = everything[table];
      expect(more, table).toEqual([]);
      expect(jsTypes(row as Record<string, unknown>), table).toEqual(EXPECTED_TYPES[table]);
    }
    expect(everything.tapes[0]?.capacityKib).toBe(17_138_671_616);
    expect(everything.files[0]?.sizeBytes).toBe(17_408_000_000_000);
    expect(everything.files[0]?.startBlock).toBe(4_294_967_296);
    expect(everything.files[0]?.mtimeNs).toBe(1_732_600_000_123_456_789n);
    expect(everything.tapes[0]?.formattedAt).toEqual(new Date("2026-01-02T03:04:05.678Z"));
  });

  it("returns computed sums and counts as numbers", async () => {
    const { folderId } = await seed(catalog.db);
    expect(await getArchivedKiB(catalog.db, "AAK788L9")).toBe(17_000_000_000);
    expect(await summariseFiles(catalog.db, folderId)).toEqual({
      fileCount: 1,
      totalBytes: 17_408_000_000_000,
    });
  });
});

describe("PostgreSQL and PGlite", () => {
  it("return the same JS types and values for the same rows", async () => {
    const snapshots = [];
    for (const factory of catalogDatabaseFactories) {
      const database = await factory.open();
      try {
        const { folderId } = await seed(database.db);
        const everything = await readEverything(database.db, folderId);
        // Ids drawn at random and times of the run differ by nature; their types must not.
        snapshots.push(
          Object.fromEntries(
            Object.entries(everything).map(([table, rows]) => [
              table,
              rows.map((row) =>
                Object.fromEntries(
                  Object.entries(row).map(([key, value]) => [
                    key,
                    value instanceof Date || key === "id" || key === "jobId"
                      ? jsType(value)
                      : value,
                  ]),
                ),
              ),
            ]),
          ),
        );
      } finally {
        await database.close();
      }
    }
    const [postgres, pglite] = snapshots;
    expect(pglite).toEqual(postgres);
  });
});
