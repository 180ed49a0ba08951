import { setTimeout as sleep } from "node:timers/promises";
import type { NatsConnection } from "@nats-io/nats-core";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { messageOf } from "../../shared/format/index.ts";
import type { LibraryStatus } from "../../shared/hardware/mtx/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { CATALOG_REQUESTS, subjects } from "../../shared/messages/index.ts";
import { request } from "../../shared/nats/index.ts";
import { hintOf } from "./answer-status.ts";
import type { CatalogHomes } from "./catalog-homes.ts";
import { inventoryOf, keepKnownHomes } from "./inventory-of.ts";

export interface InventoryLoopOptions {
  readonly nc: NatsConnection;
  readonly libraryId: string;
  readonly device: PytarchiveConfig["device"];
  readonly readLibrary: () => Promise<LibraryStatus>;
  readonly homes: CatalogHomes;
  /** Wait between attempts. */
  readonly retryMs: number;
  readonly log: Logger;
  /** Ends the retries. */
  readonly signal: AbortSignal;
}

export interface InventoryLoop {
  /** Why the inventory is not recorded yet; null once it is. */
  problem(): string | null;
  /** Resolves when the inventory is recorded or the signal stopped the retries. */
  readonly finished: Promise<void>;
}

/**
 * Records every cartridge of the library (home slot, cleaning flag) in the catalog, retrying
 * every `retryMs` until that worked: until then the changer is unhealthy, with the reason.
 *
 * @example
 * const inventory = recordInventory({ nc, libraryId, device: config.device, readLibrary, homes, retryMs: 30_000, log, signal });
 * inventory.problem(); // "the first inventory has not been taken yet"
 */
export function recordInventory(options: InventoryLoopOptions): InventoryLoop {
  const { log, device } = options;
  let problem: string | null = "the first inventory has not been taken yet";

  const takeInventory = async (): Promise<void> => {
    let library: LibraryStatus;
    try {
      library = await options.readLibrary();
    } catch (error) {
      problem = `mtx status failed: ${messageOf(error)}`;
      log.error("cannot read the tape library", {
        error,
        device: device.library,
        hint: hintOf(error),
      });
      throw error;
    }
    const inventory = inventoryOf(library, { mediaCapacityKiB: device.mediaCapacityKiB });
    for (const skipped of inventory.skipped)
      log.warn("cartridge not recorded", { problem: skipped });
    try {
      // The configuration alone says the library is simulated; the catalog marks its tapes.
      // Sent only when true: a tape once marked stays marked whatever a later start says.
      const cartridges = keepKnownHomes(
        inventory.cartridges,
        library,
        await options.homes.all().catch(() => new Map<string, number | null>()),
      ).map((cartridge) => (device.simulate ? { ...cartridge, simulated: true } : cartridge));
      const op = CATALOG_REQUESTS["tapes-record"];
      const recorded = await request(
        options.nc,
        subjects(options.libraryId).catalog(op.op),
        { cartridges },
        { request: op.request, reply: op.reply, timeoutMs: 10_000, service: "catalog" },
      );
      problem = null;
      log.info("library inventory recorded", {
        cartridges: recorded.recorded,
        added: recorded.added,
      });
    } catch (error) {
      problem = `the catalog did not record the inventory: ${messageOf(error)}`;
      log.warn("cannot record the inventory in the catalog yet; will retry", { error });
      throw error;
    }
  };

  const finished = (async () => {
    while (!options.signal.aborted && problem !== null) {
      try {
        await takeInventory();
      } catch {
        // An abort ends the wait early; the loop then sees the signal.
        await sleep(options.retryMs, undefined, { signal: options.signal }).catch(() => {});
      }
    }
  })();

  return { problem: () => problem, finished };
}
