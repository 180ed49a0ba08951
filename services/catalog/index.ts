import { type Kysely, sql } from "kysely";
import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { PYTARCHIVE_VERSION } from "../../shared/version.ts";
import { createCatalogHandlers } from "./catalog-handlers.ts";
import { type CatalogSchema, migrateCatalog } from "./db/index.ts";
import { publishJobEvents } from "./job-events.ts";
import { legacyFilesNotice } from "./legacy-notice.ts";
import { serveCatalog } from "./serve-catalog.ts";
import { openServiceDatabase } from "./service-database.ts";

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
      const { db, close } = await openServiceDatabase({
        database: options.database,
        url: options.url,
        config,
        log,
      });
      try {
        const libraryId = config.nats.libraryId;
        const applied = await migrateCatalog(db, libraryId);
        if (applied.length > 0) log.info("catalog database migrated", { migrations: applied });
        const notice = await legacyFilesNotice(db, config.paths.stateDir);
        if (notice !== null) log.warn(notice.message, { command: notice.command });
        const handlers = createCatalogHandlers({
          db,
          libraryId,
          tapeMaxSizeKiB: config.general.tapeMaxSizeKiB,
          scratchPath: config.general.scratchPath,
          stateFolder: config.paths.stateDir,
          mountPoints: config.device.drives.map((drive) => drive.mountPoint),
          publish: (events) => publishJobEvents(js, libraryId, events, log),
          onTapesMoved: (moved) => {
            for (const tape of moved) {
              log.warn(
                `tape ${tape.barcode} moved from library '${tape.from}' to library '${tape.to}': the inventory saw it here`,
                { barcode: tape.barcode, from: tape.from, to: tape.to },
              );
            }
          },
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
              await close();
            }
          },
        };
      } catch (error) {
        await close();
        throw error;
      }
    },
  };
}

/** The catalog as the runner starts it, from the configuration alone. */
export const catalogService: ServiceDefinition = createCatalogService();
