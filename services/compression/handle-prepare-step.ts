import { PytarchiveError } from "../../shared/errors/index.ts";
import { defineMessage, JOB_ARGUMENT_SCHEMAS } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import type { StepDefinition } from "../../shared/steps/index.ts";
import { PREPARE_ERROR_CODES as CODES } from "./prepare-errors.ts";
import { type PrepareSettings, prepareFolder } from "./prepare-folder.ts";

/** The step of a prepare job this service does. */
export const PREPARE_STEP = "prepare";

const PrepareArguments = defineMessage("prepare job arguments", JOB_ARGUMENT_SCHEMAS.prepare);

/**
 * The `prepare` step: measures the folder (and packs it when it has too many files or
 * `--compress` was asked), records it prepared in the catalog, then reports done. A redelivery
 * after a crash starts over: the engine replaces what the interrupted run left in scratch_path.
 */
export function prepareStep(deps: {
  readonly catalog: CatalogClient;
  readonly settings: PrepareSettings;
}): StepDefinition {
  return {
    async run({ job, item, log, signal, progress }) {
      if (!PrepareArguments.is(job.args) || job.kind !== "prepare") {
        throw new PytarchiveError(
          CODES.invalidJobArguments,
          `Job ${job.id} is a ${job.kind} job with arguments ${JSON.stringify(job.args)}, not a prepare job's.`,
          { hint: "Check that every pytarchive service runs the same version." },
        );
      }
      const { folder, compress } = job.args;
      log.info("preparing folder", { folder, compress });
      const prepared = await prepareFolder({
        ...deps.settings,
        folder,
        compress,
        signal,
        onProgress: progress,
      });
      await deps.catalog.call("folder-prepared", {
        jobId: job.id,
        attempt: item.attempt,
        path: folder,
        sizeKiB: prepared.sizeKiB,
        apparentBytes: prepared.apparentBytes,
        fileCount: prepared.fileCount,
        compressed: prepared.compressed,
        archivePath: prepared.archivePath,
      });
      log.info("folder prepared", {
        folder,
        sizeKiB: prepared.sizeKiB,
        fileCount: prepared.fileCount,
        archivePath: prepared.archivePath,
      });
      return { summary: prepared.summary };
    },
  };
}
