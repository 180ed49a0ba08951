import { Cron } from "croner";
import type { Logger } from "../../shared/logging/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";

/**
 * Queues an inventory job of `folders` at every time `[Inventory] schedule` names (a cron
 * expression, local time). The job is queued like `pytarchive inventory` queues it, so it shows
 * in the queue, runs in priority order and can be aborted. Returns a stop function.
 *
 * Every running inventory service queues at those times: run one inventory service per library.
 */
export function scheduleInventory(options: {
  readonly expression: string;
  readonly folders: readonly string[];
  readonly catalog: CatalogClient;
  readonly log: Logger;
}): () => void {
  const { log } = options;
  const cron = new Cron(options.expression, { protect: true }, async () => {
    if (options.folders.length === 0) {
      log.warn("scheduled inventory skipped: [General] source_folders is empty");
      return;
    }
    try {
      const { job } = await options.catalog.call("job-create", {
        kind: "inventory",
        args: { folders: [...options.folders] },
      });
      log.info("scheduled inventory queued", { jobId: job.id, folders: options.folders.length });
    } catch (error) {
      log.warn("could not queue the scheduled inventory; trying again at the next time", {
        error,
      });
    }
  });
  log.info("inventory scheduled", {
    schedule: options.expression,
    next: cron.nextRun()?.toISOString() ?? null,
  });
  return () => cron.stop();
}
