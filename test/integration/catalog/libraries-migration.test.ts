import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  CATALOG_MIGRATION_NAMES,
  getJob,
  getTape,
  migrateCatalog,
  openPostgresCatalogDatabase,
} from "../../../services/catalog/db/index.ts";
import {
  catalogDatabaseFactories,
  migrateCatalogUpTo,
  TEST_POSTGRES_URL,
} from "../../helpers/databases.ts";

/*
 * Migration 0009 gives jobs and tapes a library id. The rows from before belong to the library
 * whose catalog service migrates (the only one that could use the database until now), and two
 * catalog services starting on one fresh PostgreSQL database at once migrate it exactly once.
 */

describe.each(catalogDatabaseFactories)("migration 0009 on $dialect", (factory) => {
  it("gives the jobs and tapes from before to the library whose catalog migrates", async () => {
    const database = await factory.open({ migrated: false });
    try {
      const { db } = database;
      await migrateCatalogUpTo(db, "0008_import_tape");
      await sql`insert into jobs (id, kind, args, priority) values ('0000000a', 'inventory', '{}'::jsonb, 200)`.execute(
        db.withoutPlugins(),
      );
      await sql`insert into tapes (barcode, home_slot) values ('OLD001L9', 4)`.execute(
        db.withoutPlugins(),
      );

      expect(await migrateCatalog(db, "hera")).toEqual([
        "0009_libraries",
        "0010_files_statistics",
        "0011_current_step",
      ]);

      expect(await getJob(db, "0000000a")).toMatchObject({ libraryId: "hera", state: "queued" });
      expect(await getTape(db, "OLD001L9")).toMatchObject({ libraryId: "hera", homeSlot: 4 });
      // A second library starting later changes nothing that is there.
      expect(await migrateCatalog(db, "zeus")).toEqual([]);
      expect(await getJob(db, "0000000a")).toMatchObject({ libraryId: "hera" });
    } finally {
      await database.close();
    }
  });
});

describe("two catalog services migrating one PostgreSQL database at once", () => {
  it("run every migration exactly once, whichever comes first", async () => {
    const name = `pyt_test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${name}`;
    // Two pools, as two catalog processes on two hosts have.
    const hera = await openPostgresCatalogDatabase(url.toString(), { maxConnections: 4 });
    const zeus = await openPostgresCatalogDatabase(url.toString(), { maxConnections: 4 });
    try {
      const [byHera, byZeus] = await Promise.all([
        migrateCatalog(hera.db, "hera"),
        migrateCatalog(zeus.db, "zeus"),
      ]);
      expect([byHera, byZeus].map((applied) => applied.length).sort()).toEqual([
        0,
        CATALOG_MIGRATION_NAMES.length,
      ]);
      const applied = await sql<{
        name: string;
      }>`select name from kysely_migration order by name`.execute(hera.db.withoutPlugins());
      expect(applied.rows.map((row) => row.name)).toEqual(CATALOG_MIGRATION_NAMES);
      // Both serve at once afterwards: each writes its own jobs.
      await sql`insert into jobs (id, kind, args, priority, library_id)
        values ('0000000b', 'inventory', '{}'::jsonb, 200, 'zeus')`.execute(zeus.db);
      expect(await getJob(hera.db, "0000000b")).toMatchObject({ libraryId: "zeus" });
    } finally {
      await hera.close();
      await zeus.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
