import type { Kysely } from "kysely";
import { type MigrationProvider, type MigrationResult, Migrator } from "kysely/migration";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { messageOf } from "../../../shared/format/index.ts";
import type { CatalogSchema } from "./catalog-schema.ts";
import { CATALOG_ERROR_CODES } from "./errors.ts";
import { catalogMigrations } from "./migrations/index.ts";

/** Names of the migrations this version of pytarchive knows, oldest first. */
export const CATALOG_MIGRATION_NAMES: readonly string[] = Object.keys(
  catalogMigrations("any"),
).sort();

/**
 * Brings the catalog's schema up to date for the catalog service of library `libraryId` (rows
 * from before libraries had ids become its); safe to run on every start (applied migrations are
 * skipped). Throws CATALOG_MIGRATION_FAILED, naming the migration and the database's complaint,
 * when one fails (it is rolled back) or when the database knows migrations this version does not.
 *
 * Two catalog services (one per library) may start on one PostgreSQL database at once: kysely's
 * Migrator takes a session advisory lock there, reads what is applied inside its transaction,
 * and tolerates the other creating its bookkeeping tables first, so each migration runs once.
 *
 * @example
 * const catalog = await openCatalogDatabase({ url: null, dataDir: "/var/lib/pytarchive/catalog" });
 * const applied = await migrateCatalog(catalog.db, "default"); // ["0001_initial", …] the first time, [] after
 */
export async function migrateCatalog(
  db: Kysely<CatalogSchema>,
  libraryId: string,
): Promise<string[]> {
  const migrations = catalogMigrations(libraryId);
  const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations }) };
  // Without plugins: the migrator's own bookkeeping tables must not go through CamelCasePlugin.
  const migrator = new Migrator({ db: db.withoutPlugins(), provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) throw migrationError(error, results);
  return results
    .filter((result) => result.status === "Success")
    .map((result) => result.migrationName);
}

function migrationError(error: unknown, results: readonly MigrationResult[]): PytarchiveError {
  const reason = messageOf(error);
  const failed = results.find((result) => result.status === "Error");
  if (failed !== undefined) {
    return new PytarchiveError(
      CATALOG_ERROR_CODES.migrationFailed,
      `Updating the catalog database failed in migration ${failed.migrationName}: ${reason}. ` +
        "The migration was rolled back; the catalog was not started.",
      {
        hint: "Fix the cause named above (a table or type left over from another program?) and start again; check the database's log for details.",
        cause: error,
      },
    );
  }
  if (/previously executed migration .* is missing/.test(reason)) {
    return new PytarchiveError(
      CATALOG_ERROR_CODES.migrationFailed,
      `The catalog database was updated by a newer pytarchive (${reason}); this version cannot use it.`,
      {
        hint: `This version knows the migrations ${CATALOG_MIGRATION_NAMES.join(", ")}. Run the newer pytarchive, or restore the database from a backup made before the update.`,
        cause: error,
      },
    );
  }
  return new PytarchiveError(
    CATALOG_ERROR_CODES.migrationFailed,
    `Updating the catalog database failed before any migration ran: ${reason}.`,
    { hint: "Check that the database is reachable and the user may create tables.", cause: error },
  );
}
