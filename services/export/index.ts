import { hostname } from "node:os";
import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { createCatalogClient } from "../../shared/nats/index.ts";
import { type ServiceStepWorkerOptions, startServiceStepWorker } from "../../shared/steps/index.ts";
import { EXPORT_STEP, exportStep } from "./export-step.ts";
import { withdrawLeftoverExports } from "./reconcile-exports.ts";

export { clockUtc, longUtc } from "./describe-time.ts";
export { type ExploreMailFacts, exploreMail } from "./explore-mail.ts";
export { EXPORT_ERROR_CODES } from "./export-errors.ts";
export { unconfirmedOptions } from "./export-options-match.ts";
export { EXPORT_STEP, type ExportStepDependencies, exportStep } from "./export-step.ts";
export {
  endUsersOf,
  exportTape,
  type NfsExport,
  nfsExportOf,
  withdrawExports,
  withdrawTape,
} from "./nfs-export.ts";
export { withdrawLeftoverExports } from "./reconcile-exports.ts";

export interface ExportServiceOptions extends ServiceStepWorkerOptions {
  /** How often the time left is reported while a tape is exported. Default 5 s. */
  readonly tickMs?: number;
  /** This host as NFS clients reach it, named in the mail. Default the machine's host name. */
  readonly hostName?: string;
}

/**
 * The export service: the `export` step of explore jobs (`pytarchive explore TAPE`). It
 * consumes `pyt.<lib>.work.export.>` (durable consumer `export`, one step per configured drive
 * at once), exports the tape the ltfs service mounted read-only at the drive's mount point over
 * NFS for the job's time, mails the requester through the notifier, and withdraws the export
 * (and ends processes still using the tape) before the scheduler unmounts it. On start it
 * withdraws exports that a crash left behind (README.md).
 *
 * @example
 * runServices({ services: [createCatalogService(), createExportService(), schedulerService], config });
 */
export function createExportService(options: ExportServiceOptions = {}): ServiceDefinition {
  return {
    name: "export",
    async start({ config, nc, js, log, signal }) {
      const libraryId = config.nats.libraryId;
      const catalog = createCatalogClient(nc, libraryId);
      const drives = config.device.drives;
      // Before any step runs, so that a redelivered step's fresh export is not taken for a leftover.
      await withdrawLeftoverExports({ config, catalog, log }).catch((error: unknown) =>
        log.warn(
          "could not look for exports left by a crash; each explore step still withdraws its own",
          {
            error,
          },
        ),
      );
      const worker = await startServiceStepWorker(
        { config, nc, js, log, signal },
        {
          service: "export",
          steps: {
            [EXPORT_STEP]: exportStep({
              config,
              js,
              hostName: options.hostName ?? hostname(),
              tickMs: options.tickMs ?? 5_000,
            }),
          },
          catalog,
          // One export per drive: each drive holds at most one job's tape.
          concurrency: Math.max(1, drives.length),
        },
        options,
      );
      const detail = `exports tapes to ${config.export.to} (${config.export.settings})`;
      log.info("export service running", {
        drives: drives.length,
        to: config.export.to,
        settings: config.export.settings,
      });
      return {
        async health() {
          return { ok: true, detail };
        },
        // Stopping withdraws running exports; JetStream delivers their steps again after a restart.
        stop: () => worker.stop(),
      };
    },
  };
}

/** The export service as the runner starts it. */
export const exportService: ServiceDefinition = createExportService();
