import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { CamelCasePlugin, type Dialect, Kysely, PostgresDialect, sql } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import pg from "pg";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import type { CatalogSchema } from "./catalog-schema.ts";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.ts";
import { CATALOG_ERROR_CODES } from "./errors.ts";
import { prioritisedDialect } from "./prioritised-dialect.ts";
import { pgliteParsers, postgresTypes } from "./type-parsers.ts";

export type CatalogDialect = "postgres" | "pglite";

export interface CatalogDatabase {
  readonly db: Kysely<CatalogSchema>;
  readonly dialect: CatalogDialect;
  /** Ends the pool or closes PGlite (a process does not exit while PGlite is open). */
  close(): Promise<void>;
}

export interface PGliteCatalogDatabase extends CatalogDatabase {
  readonly dialect: "pglite";
  readonly pglite: PGlite;
}

/**
 * Opens the catalog: PostgreSQL through a `pg` pool when `url` is set, otherwise PGlite (in this
 * process) with its files in `dataDir`. Does not migrate: call `migrateCatalog(db)` next.
 *
 * @example
 * const catalog = await openCatalogDatabase({
 *   url: config.database.url,
 *   dataDir: join(config.paths.stateDir, "catalog"),
 * });
 * try { await migrateCatalog(catalog.db); ... } finally { await catalog.close(); }
 */
export async function openCatalogDatabase(options: {
  url: string | null;
  dataDir: string;
}): Promise<CatalogDatabase> {
  if (options.url !== null) return openPostgresCatalogDatabase(options.url);
  return openPGliteCatalogDatabase({ dataDir: options.dataDir });
}

/** PostgreSQL at `url`; checks the connection at once so a wrong URL fails here, clearly. */
export async function openPostgresCatalogDatabase(
  url: string,
  options: { maxConnections?: number } = {},
): Promise<CatalogDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    // Without it a host that drops packets makes the first query wait for TCP to give up.
    connectionTimeoutMillis: 10_000,
    types: postgresTypes,
  });
  // An idle connection the server dropped emits "error" on the pool; unhandled, it would end the
  // process. The pool discards that connection and the next query opens a new one.
  pool.on("error", () => {});
  const db = createKysely(new PostgresDialect({ pool }));
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new PytarchiveError(
      CATALOG_ERROR_CODES.unreachable,
      `Cannot reach the catalog database at ${redactDatabaseUrl(url)}: ${describe(error)}.`,
      {
        hint: "Check that PostgreSQL is running and that [Database] url in pytarchive.conf (or PYTARCHIVE_DATABASE_URL) names the right host, database and user; leave it empty to use the embedded catalog.",
        cause: error,
      },
    );
  }
  return { db, dialect: "postgres", close: () => db.destroy() };
}

/**
 * PGlite in this process. `dataDir: null` keeps it in memory (tests); `loadDataDir` starts from a
 * `dumpDataDir()` copy instead of an empty cluster, which is several times faster than initdb.
 */
export async function openPGliteCatalogDatabase(options: {
  dataDir: string | null;
  loadDataDir?: Blob;
}): Promise<PGliteCatalogDatabase> {
  let lock: DataDirLock | null = null;
  if (options.dataDir !== null) {
    mkdirSync(options.dataDir, { recursive: true });
    lock = acquireDataDirLock(options.dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(options.dataDir ?? undefined, {
      parsers: pgliteParsers,
      ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
    });
  } catch (error) {
    lock?.release();
    throw new PytarchiveError(
      CATALOG_ERROR_CODES.openFailed,
      `Cannot open the embedded catalog${options.dataDir === null ? " in memory" : ` in ${options.dataDir}`}: ${describe(error)}.`,
      {
        hint: "Check that the folder is writable and not damaged; restore it from a backup if PGlite reports corrupt files.",
        cause: error,
      },
    );
  }
  const db = createKysely(prioritisedDialect(new PGliteDialect(pglite)));
  return {
    db,
    dialect: "pglite",
    pglite,
    close: async () => {
      try {
        await db.destroy();
      } finally {
        lock?.release();
      }
    },
  };
}

function createKysely(dialect: Dialect): Kysely<CatalogSchema> {
  return new Kysely<CatalogSchema>({
    dialect,
    // Job arguments and event payloads are JSON chosen by their senders: keep their keys as sent.
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
}

/** The URL without its password, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable database URL)";
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
