import { join } from "node:path";
import type { Kysely } from "kysely";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { type CatalogSchema, openCatalogDatabase, redactDatabaseUrl } from "./db/index.ts";

/** The database the catalog service answers from. */
export interface ServiceDatabase {
  readonly db: Kysely<CatalogSchema>;
  /** Closes the database if the service opened it; one handed in stays open. */
  close(): Promise<void>;
}

/**
 * The database handed in (tests, a host process), else the one at `url` (default
 * `[Database] url`), else PGlite in `<state_dir>/catalog`.
 */
export async function openServiceDatabase(options: {
  readonly database: Kysely<CatalogSchema> | undefined;
  readonly url: string | null | undefined;
  readonly config: PytarchiveConfig;
  readonly log: Logger;
}): Promise<ServiceDatabase> {
  if (options.database !== undefined) return { db: options.database, close: async () => {} };
  const url = options.url ?? options.config.database.url;
  const dataDir = join(options.config.paths.stateDir, "catalog");
  const owned = await openCatalogDatabase({ url, dataDir });
  options.log.info("catalog database open", {
    database: url === null ? `PGlite in ${dataDir}` : redactDatabaseUrl(url),
  });
  return { db: owned.db, close: () => owned.close() };
}
