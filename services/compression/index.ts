import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { createCatalogClient } from "../../shared/nats/index.ts";
import { type ServiceStepWorkerOptions, startServiceStepWorker } from "../../shared/steps/index.ts";
import { checkPackingTools } from "./engine/index.ts";
import { PREPARE_STEP, prepareStep } from "./handle-prepare-step.ts";
import { packedLedger } from "./packed-ledger.ts";
import { createDefaultScratchFolder } from "./scratch-folder.ts";
import { startSweepingPacked } from "./sweep-packed.ts";

export { PREPARE_STEP, prepareStep } from "./handle-prepare-step.ts";
export { PREPARE_ERROR_CODES } from "./prepare-errors.ts";
export {
  type PreparedFolder,
  type PrepareSettings,
  prepareFolder,
  type StepProgress,
} from "./prepare-folder.ts";
export { scratchArchiveName } from "./scratch-archive-name.ts";

export interface CompressionServiceOptions extends ServiceStepWorkerOptions {
  /** Packing reports progress every this many bytes of tar stream. Default 16 MiB. */
  readonly progressEveryBytes?: number;
  /** How often packed archives nothing needs are looked for. Default 15 s. */
  readonly sweepEveryMs?: number;
}

const DEFAULT_SWEEP_EVERY_MS = 15_000;

/**
 * The compression service: does the `prepare` step. It consumes
 * `pyt.<lib>.work.compression.>` (durable consumer `compression`, `[Compression] concurrency`
 * steps at once), measures the folder, packs it into `[General] scratch_path` when it has too
 * many files or `--compress` was asked, records the folder prepared in the catalog and reports
 * the result to the scheduler. An abort request stops the step at once (README.md).
 *
 * @example
 * runServices({ services: [createCatalogService(), schedulerService, createCompressionService()], config });
 */
export function createCompressionService(
  options: CompressionServiceOptions = {},
): ServiceDefinition {
  return {
    name: "compression",
    async start({ config, nc, js, log, signal }) {
      const libraryId = config.nats.libraryId;
      const { scratchPath } = config.general;
      await createDefaultScratchFolder(scratchPath, config.paths.stateDir);
      const program = config.compression.program;
      checkPackingTools({ compression: program }).then(
        (tools) =>
          log.info("packing tools found", { tar: tools.tar, compressor: tools.compressor }),
        (error: unknown) =>
          log.warn("folders that need packing will fail until this is fixed", { error }),
      );

      const catalog = createCatalogClient(nc, libraryId);
      const ledger = packedLedger(config.paths.stateDir);
      const worker = await startServiceStepWorker(
        { config, nc, js, log, signal },
        {
          service: "compression",
          steps: {
            [PREPARE_STEP]: prepareStep({
              catalog,
              settings: {
                scratchPath,
                ledger,
                exclude: config.general.excludeFolders,
                compression: program,
                ...(config.compression.threads === 0
                  ? {}
                  : { threads: config.compression.threads }),
                ...(options.progressEveryBytes === undefined
                  ? {}
                  : { progressEveryBytes: options.progressEveryBytes }),
              },
            }),
          },
          concurrency: config.compression.concurrency,
        },
        options,
      );
      // Packed archives nothing needs any more leave scratch_path.
      const sweeper = startSweepingPacked({
        ledger,
        catalog,
        keepPacked: config.general.keepPacked,
        log,
        everyMs: options.sweepEveryMs ?? DEFAULT_SWEEP_EVERY_MS,
      });
      log.info("compression service running", {
        scratchPath,
        program,
        threads: config.compression.threads,
        concurrency: config.compression.concurrency,
      });
      return {
        async health() {
          return { ok: true, detail: `packs with ${program} into ${scratchPath}` };
        },
        // Stopping aborts running steps: they remove what they wrote and run again after a restart.
        async stop() {
          const swept = sweeper.stop(); // no sweep starts while the steps stop
          await worker.stop();
          await swept;
        },
      };
    },
  };
}

/** The compression service as the runner starts it. */
export const compressionService: ServiceDefinition = createCompressionService();
