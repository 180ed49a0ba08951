import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Kysely, sql } from "kysely";
import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { createCatalogHandlers } from "./catalog-handlers.ts";
import {
  type CatalogDatabase,
  type CatalogSchema,
  migrateCatalog,
  openCatalogDatabase,
  redactDatabaseUrl,
} from "./db/index.ts";
import { publishJobEvents } from "./job-events.ts";
import { serveCatalog } from "./serve-catalog.ts";

export { type CatalogHandlers, createCatalogHandlers } from "./catalog-handlers.ts";
export { suggestTape, type TapeRoom } from "./suggest-tape.ts";

export interface CatalogServiceOptions {
  /**
   * A database someone else opened (tests, or a host process): migrated at start, never closed
   * by the service.
   */
  readonly database?: Kysely<CatalogSchema>;
  /** A PostgreSQL URL instead of `[Database] url` (opened and closed by the service). */
  readonly url?: string;
}

/** The version the micro-service reports in `$SRV.INFO` (package.json's). */
export const PYTARCHIVE_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/**
 * The catalog service: opens the database (`[Database] url`, else PGlite in
 * `<state_dir>/catalog`), migrates it and answers `pyt.<lib>.catalog.<op>`.
 *
 * @example
 * runServices({ services: [createCatalogService({ database: db })], config });
 */
export function createCatalogService(options: CatalogServiceOptions = {}): ServiceDefinition {
  return {
    name: "catalog",
    async start({ config, nc, js, log }) {
      let owned: CatalogDatabase | null = null;
      let db: Kysely<CatalogSchema>;
      if (options.database !== undefined) {
        db = options.database;
      } else {
        const url = options.url ?? config.database.url;
        owned = await openCatalogDatabase({
          url,
          dataDir: join(config.paths.stateDir, "catalog"),
        });
        db = owned.db;
        log.info("catalog database open", {
          database:
            url === null
              ? `PGlite in ${join(config.paths.stateDir, "catalog")}`
              : redactDatabaseUrl(url),
        });
      }
      try {
        const applied = await migrateCatalog(db);
        if (applied.length > 0) log.info("catalog database migrated", { migrations: applied });
        const libraryId = config.nats.libraryId;
        const handlers = createCatalogHandlers({
          db,
          tapeMaxSizeKiB: config.general.tapeMaxSizeKiB,
          scratchPath: config.general.scratchPath,
          stateFolder: config.paths.stateDir,
          mountPoints: config.device.drives.map((drive) => drive.mountPoint),
          publish: (events) => publishJobEvents(js, libraryId, events, log),
        });
        const served = await serveCatalog({
          nc,
          libraryId,
          handlers,
          log,
          version: PYTARCHIVE_VERSION,
        });
        return {
          async health() {
            if (served.service.isStopped) return { ok: false, detail: "not answering requests" };
            try {
              await sql`select 1`.execute(db);
              return { ok: true };
            } catch (error) {
              return { ok: false, detail: `database unreachable: ${(error as Error).message}` };
            }
          },
          async stop() {
            try {
              await served.stop();
            } finally {
              await owned?.close();
            }
          },
        };
      } catch (error) {
        await owned?.close();
        throw error;
      }
    },
  };
}

/** The catalog as the runner starts it, from the configuration alone. */
export const catalogService: ServiceDefinition = createCatalogService();
