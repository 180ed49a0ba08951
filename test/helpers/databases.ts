import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type Kysely, sql } from "kysely";
import { Migrator } from "kysely/migration";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe } from "vitest";
import {
  CATALOG_TABLES,
  type CatalogDialect,
  type CatalogSchema,
  migrateCatalog,
  openPGliteCatalogDatabase,
  openPostgresCatalogDatabase,
} from "../../services/catalog/db/index.ts";
import { catalogMigrations } from "../../services/catalog/db/migrations/index.ts";

/*
 * Fresh catalog databases for tests, on real PostgreSQL and on PGlite, so one suite runs on both.
 *
 * PostgreSQL: every database is new (`pyt_test_<random>`) and dropped on close.
 * PGlite: starting an empty PGlite takes seconds, so a migrated template is built once and each
 * database is a copy of it (loadDataDir, well under a second). The template is also kept in
 * the temp folder, keyed by the migrations' source, so later test files and runs skip initdb.
 */

/** Server the PostgreSQL databases are created on; the user must be allowed CREATE DATABASE. */
export const TEST_POSTGRES_URL =
  process.env.PYTARCHIVE_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestCatalogDatabase {
  readonly dialect: CatalogDialect;
  readonly db: Kysely<CatalogSchema>;
  /** Empties every catalog table (the schema stays; ids keep counting). */
  reset(): Promise<void>;
  /** Closes the connection and deletes the database. */
  close(): Promise<void>;
}

export interface CatalogDatabaseFactory {
  readonly dialect: CatalogDialect;
  /** A new database: migrated to the latest schema, or empty with `{ migrated: false }`. */
  open(options?: { migrated?: boolean }): Promise<TestCatalogDatabase>;
}

export const postgresDatabaseFactory: CatalogDatabaseFactory = {
  dialect: "postgres",
  async open({ migrated = true } = {}) {
    const name = `pyt_test_${randomBytes(6).toString("hex")}`;
    await runAsAdmin(`CREATE DATABASE ${name}`);
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${name}`;
    const catalog = await openPostgresCatalogDatabase(url.toString(), { maxConnections: 4 });
    if (migrated) await migrateCatalog(catalog.db, "default");
    return {
      dialect: "postgres",
      db: catalog.db,
      reset: () => emptyCatalog(catalog.db),
      async close() {
        await catalog.close();
        await runAsAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  },
};

export const pgliteDatabaseFactory: CatalogDatabaseFactory = {
  dialect: "pglite",
  async open({ migrated = true } = {}) {
    const catalog = await openPGliteCatalogDatabase({
      dataDir: null,
      loadDataDir: await pgliteTemplate(migrated ? "migrated" : "blank"),
    });
    return {
      dialect: "pglite",
      db: catalog.db,
      reset: () => emptyCatalog(catalog.db),
      close: () => catalog.close(),
    };
  },
};

/** Both dialects, for `describe.each(catalogDatabaseFactories)("… on $dialect", …)`. */
export const catalogDatabaseFactories: readonly CatalogDatabaseFactory[] = [
  postgresDatabaseFactory,
  pgliteDatabaseFactory,
];

export interface SharedTestCatalog {
  readonly dialect: CatalogDialect;
  readonly factory: CatalogDatabaseFactory;
  /** The describe block's database, emptied before each test. */
  readonly db: Kysely<CatalogSchema>;
}

/**
 * Runs `body` once per dialect inside `describe("<title> on <dialect>")`, with one migrated
 * database per dialect, opened before the first test, emptied before each and deleted after all.
 *
 * @example
 * forEachDatabase("jobs", (catalog) => {
 *   it("queues a job", async () => { await createJob(catalog.db, { libraryId: "default", kind: "inventory", args: {} }); });
 * });
 */
export function forEachDatabase(title: string, body: (catalog: SharedTestCatalog) => void): void {
  describe.each(catalogDatabaseFactories)(`${title} on $dialect`, (factory) => {
    let database: TestCatalogDatabase | undefined;
    const catalog: SharedTestCatalog = {
      dialect: factory.dialect,
      factory,
      get db() {
        if (database === undefined) throw new Error("The test database is not open yet.");
        return database.db;
      },
    };
    beforeAll(async () => {
      database = await factory.open();
    });
    beforeEach(async () => {
      await database?.reset();
    });
    afterAll(async () => {
      await database?.close();
    });
    body(catalog);
  });
}

/** DELETE rather than TRUNCATE: on these small tables it is ten times faster on PostgreSQL. */
async function emptyCatalog(db: Kysely<CatalogSchema>): Promise<void> {
  for (const table of CATALOG_TABLES) await sql`DELETE FROM ${sql.table(table)}`.execute(db);
}

/** Runs one statement on TEST_POSTGRES_URL's server (CREATE or DROP DATABASE). */
export async function runAsAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

type TemplateKind = "blank" | "migrated";

let templateFiles: Promise<Record<TemplateKind, string>> | undefined;
const templates = new Map<TemplateKind, Blob>();

/** The template as an uncompressed tar, read once per test file, so each copy only untars. */
async function pgliteTemplate(kind: TemplateKind): Promise<Blob> {
  templateFiles ??= findOrBuildTemplates();
  const file = (await templateFiles)[kind];
  let template = templates.get(kind);
  if (template === undefined) {
    template = new Blob([new Uint8Array(gunzipSync(readFileSync(file)))], {
      type: "application/x-tar",
    });
    templates.set(kind, template);
  }
  return template;
}

async function findOrBuildTemplates(): Promise<Record<TemplateKind, string>> {
  const folder = join(tmpdir(), "pytarchive-test-catalog");
  const key = templateKey();
  const files = {
    blank: join(folder, `${key}-blank.tar.gz`),
    migrated: join(folder, `${key}-migrated.tar.gz`),
  };
  if (existsSync(files.blank) && existsSync(files.migrated)) return files;

  const template = await openPGliteCatalogDatabase({ dataDir: null });
  try {
    const blank = await template.pglite.dumpDataDir("gzip");
    await migrateCatalog(template.db, "default");
    const migrated = await template.pglite.dumpDataDir("gzip");
    mkdirSync(folder, { recursive: true });
    // Written aside and renamed, so a test file running in parallel never reads half a file.
    for (const [file, dump] of [
      [files.blank, blank],
      [files.migrated, migrated],
    ] as const) {
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
      renameSync(partial, file);
    }
  } finally {
    await template.close();
  }
  return files;
}

/** Changes whenever a migration or the PGlite version changes. */
function templateKey(): string {
  const hash = createHash("sha256");
  const migrations = new URL("../../services/catalog/db/migrations/", import.meta.url);
  for (const name of readdirSync(migrations).sort()) {
    hash.update(name).update(readFileSync(new URL(name, migrations)));
  }
  // The package does not export its package.json; read the installed copy.
  const pglite = new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url);
  hash.update(readFileSync(pglite));
  return hash.digest("hex").slice(0, 16);
}

/**
 * Migrates up to (and including) migration `last`, as an older pytarchive left the catalog: to
 * test what a later migration does with the rows that version wrote.
 *
 * @example
 * await migrateCatalogUpTo(database.db, "0008_import_tape");
 */
export async function migrateCatalogUpTo(db: Kysely<CatalogSchema>, last: string): Promise<void> {
  const migrations = Object.fromEntries(
    Object.entries(catalogMigrations("default")).filter(([name]) => name <= last),
  );
  const migrator = new Migrator({
    db: db.withoutPlugins(),
    provider: { getMigrations: async () => migrations },
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
