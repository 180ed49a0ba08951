import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { createCatalogClient } from "../../shared/nats/index.ts";
import { type ServiceStepWorkerOptions, startServiceStepWorker } from "../../shared/steps/index.ts";
import { REPORT_STEP, reportStep } from "./report-step.ts";
import { scheduleInventory } from "./schedule.ts";

export { REPORT_STEP, reportStep } from "./report-step.ts";

export type InventoryServiceOptions = ServiceStepWorkerOptions;

/**
 * The inventory service: does the `report` step of inventory jobs (README.md) — size and age
 * of every subfolder of the source folders, mailed and posted to chat through the notifier —
 * and queues an inventory job at the times `[Inventory] schedule` names.
 */
export function createInventoryService(options: InventoryServiceOptions = {}): ServiceDefinition {
  return {
    name: "inventory",
    async start({ config, nc, js, log, signal }) {
      const libraryId = config.nats.libraryId;
      const catalog = createCatalogClient(nc, libraryId);
      const worker = await startServiceStepWorker(
        { config, nc, js, log, signal },
        {
          service: "inventory",
          steps: { [REPORT_STEP]: reportStep({ js, config }) },
          catalog,
          concurrency: 1,
        },
        options,
      );
      const stopSchedule =
        config.inventory.schedule === null
          ? () => {}
          : scheduleInventory({
              expression: config.inventory.schedule,
              folders: config.general.sourceFolders,
              catalog,
              log,
            });
      return {
        async health() {
          return {
            ok: true,
            detail:
              config.inventory.schedule === null
                ? "on request"
                : `on request and at "${config.inventory.schedule}"`,
          };
        },
        async stop() {
          stopSchedule();
          await worker.stop();
        },
      };
    },
  };
}

/** The inventory service as the runner starts it. */
export const inventoryService: ServiceDefinition = createInventoryService();
