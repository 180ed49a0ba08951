import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import {
  CATALOG_MIGRATION_NAMES,
  type CatalogSchema,
  createJob,
  getJob,
  migrateCatalog,
  openCatalogDatabase,
} from "../../../services/catalog/db/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { catalogDatabaseFactories, TEST_POSTGRES_URL } from "../../helpers/databases.ts";

async function tableNames(db: Kysely<CatalogSchema>): Promise<string[]> {
  const result = await sql<{ tableName: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' order by table_name`.execute(db);
  return result.rows.map((row) => row.tableName);
}

async function rejection(promise: Promise<unknown>): Promise<PytarchiveError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PytarchiveError);
  return error as PytarchiveError;
}

describe.each(catalogDatabaseFactories)("migrateCatalog on $dialect", (factory) => {
  it("creates every catalog table on an empty database, and a second run changes nothing", async () => {
    const database = await factory.open({ migrated: false });
    try {
      expect(await tableNames(database.db)).toEqual([]);
      expect(await migrateCatalog(database.db, "default")).toEqual([
        "0001_initial",
        "0002_tape_jobs",
        "0003_simulated_tapes",
        "0004_apparent_size",
        "0005_job_state_machine",
        "0006_legacy_import",
        "0007_files_keyset_order",
        "0008_import_tape",
        "0009_libraries",
        "0010_files_statistics",
        "0011_current_step",
      ]);
      expect(await tableNames(database.db)).toEqual([
        "events",
        "files",
        "folders",
        "jobs",
        "kysely_migration",
        "kysely_migration_lock",
        "tapes",
      ]);
      const job = await createJob(database.db, {
        libraryId: "default",
        kind: "inventory",
        args: {},
      });
      expect(await migrateCatalog(database.db, "default")).toEqual([]);
      expect(await getJob(database.db, job.id)).toEqual(job);
      expect(CATALOG_MIGRATION_NAMES).toEqual([
        "0001_initial",
        "0002_tape_jobs",
        "0003_simulated_tapes",
        "0004_apparent_size",
        "0005_job_state_machine",
        "0006_legacy_import",
        "0007_files_keyset_order",
        "0008_import_tape",
        "0009_libraries",
        "0010_files_statistics",
        "0011_current_step",
      ]);
    } finally {
      await database.close();
    }
  });

  it("rolls back a migration that fails and refuses to go on, naming the migration and the cause", async () => {
    const database = await factory.open({ migrated: false });
    try {
      // A table of that name left by something else makes 0001 fail half-way.
      await sql`create table folders (id integer)`.execute(database.db);
      const error = await rejection(migrateCatalog(database.db, "default"));
      expect(error.code).toBe("CATALOG_MIGRATION_FAILED");
      expect(error.message).toBe(
        'Updating the catalog database failed in migration 0001_initial: relation "folders" already exists. The migration was rolled back; the catalog was not started.',
      );
      expect(await tableNames(database.db)).toEqual([
        "folders",
        "kysely_migration",
        "kysely_migration_lock",
      ]);
    } finally {
      await database.close();
    }
  });

  it("refuses a database that a newer pytarchive migrated", async () => {
    const database = await factory.open();
    try {
      await sql`insert into kysely_migration (name, timestamp) values ('0099_future', '2030-01-01T00:00:00.000Z')`.execute(
        database.db,
      );
      const error = await rejection(migrateCatalog(database.db, "default"));
      expect(error.code).toBe("CATALOG_MIGRATION_FAILED");
      expect(error.message).toBe(
        "The catalog database was updated by a newer pytarchive (corrupted migrations: previously executed migration 0099_future is missing); this version cannot use it.",
      );
      expect(error.hint).toContain("0001_initial");
    } finally {
      await database.close();
    }
  });
});

describe("openCatalogDatabase", () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it("with a URL uses PostgreSQL", async () => {
    const catalog = await openCatalogDatabase({
      url: TEST_POSTGRES_URL,
      dataDir: "/nonexistent/catalog",
    });
    try {
      expect(catalog.dialect).toBe("postgres");
      const result = await sql<{ version: string }>`select version()`.execute(catalog.db);
      expect(result.rows[0]?.version).toMatch(/^PostgreSQL 1\d\./);
    } finally {
      await catalog.close();
    }
  });

  it("fails with CATALOG_UNREACHABLE when nothing answers at the URL, without showing the password", async () => {
    const error = await rejection(
      openCatalogDatabase({
        url: "postgres://archivist:s3cret@127.0.0.1:1/catalog",
        dataDir: "/unused",
      }),
    );
    expect(error.code).toBe("CATALOG_UNREACHABLE");
    expect(error.message).toMatch(
      /^Cannot reach the catalog database at postgres:\/\/archivist:\*\*\*@127\.0\.0\.1:1\/catalog: .*ECONNREFUSED.*\.$/,
    );
    expect(error.message).not.toContain("s3cret");
    expect(error.hint).toContain("[Database] url");
  });

  it("without a URL keeps PGlite in dataDir: data survives a reopen, and a second opener is refused", {
    timeout: 120_000,
  }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "pytarchive-catalog-"));
    folders.push(stateDir);
    const dataDir = join(stateDir, "catalog");
    const first = await openCatalogDatabase({ url: null, dataDir });
    let jobId: string;
    try {
      expect(first.dialect).toBe("pglite");
      expect(readFileSync(`${dataDir}.lock`, "utf8").trim()).toBe(String(process.pid));
      const error = await rejection(openCatalogDatabase({ url: null, dataDir }));
      expect(error.code).toBe("CATALOG_IN_USE");
      expect(error.message).toBe(
        `The embedded catalog in ${dataDir} is already open in process ${process.pid} (this one).`,
      );
      await migrateCatalog(first.db, "default");
      jobId = (
        await createJob(first.db, {
          libraryId: "default",
          kind: "inventory",
          args: { folders: ["/data"] },
        })
      ).id;
    } finally {
      await first.close();
    }
    const reopened = await openCatalogDatabase({ url: null, dataDir });
    try {
      expect(await migrateCatalog(reopened.db, "default")).toEqual([]);
      expect(await getJob(reopened.db, jobId)).toMatchObject({
        id: jobId,
        kind: "inventory",
        args: { folders: ["/data"] },
        state: "queued",
      });
    } finally {
      await reopened.close();
    }
  });
});
