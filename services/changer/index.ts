import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  createMtxChanger,
  type LibraryStatus,
  type MtxChanger,
} from "../../shared/hardware/mtx/index.ts";
import { CATALOG_REQUESTS } from "../../shared/messages/catalog-requests.ts";
import { subjects } from "../../shared/messages/index.ts";
import { ensureKv, request, type ServiceDefinition } from "../../shared/nats/index.ts";
import { answerStatus, changerUnavailable, describe, hintOf } from "./answer-status.ts";
import { catalogHomes } from "./catalog-homes.ts";
import { serveClearDrive } from "./clear-drive.ts";
import { inventoryOf, keepKnownHomes } from "./inventory-of.ts";
import { runSingleWriter, type SingleWriter } from "./single-writer.ts";
import { sleep } from "./sleep.ts";

export { type CatalogHomes, catalogHomes } from "./catalog-homes.ts";
export {
  assertReleased,
  type DriveOccupancy,
  inspectDrive,
  isReleased,
} from "./drive-occupancy.ts";
export {
  changerLeaseKey,
  driveStateKey,
  readBlockedDrives,
  readDriveState,
  updateDriveState,
} from "./drive-states.ts";
export {
  type Cartridge,
  type Inventory,
  inventoryOf,
  keepKnownHomes,
} from "./inventory-of.ts";
export { holdLibraryLease, type LibraryLease } from "./library-lease.ts";
export { MoveRefusedError } from "./move-refused-error.ts";
export { type MovePlan, type MovePlanInput, planMove } from "./plan-move.ts";
export { publishMove } from "./publish-move.ts";
export { reconcileDrives } from "./reconcile.ts";

export interface ChangerServiceOptions {
  /** The mtx adapter; default `createMtxChanger` with `[Tools] mtx` and `[Device] library`. */
  readonly changer?: MtxChanger;
  /** Wait between attempts while the first inventory or the reconcile fails. Default 30 s. */
  readonly retryMs?: number;
  /** Identifies this instance in the lease; default `<host>:<pid>:<random>`. */
  readonly holder?: string;
  /** Time to live of the library lease (renewed every third of it). Default 30 s. */
  readonly leaseTtlMs?: number;
  /** How often a standby instance looks at the lease. Default min(1 s, ttl/4). */
  readonly leasePollMs?: number;
  /**
   * JetStream ack wait of a move (the consumer calls working() every third of it while a move
   * runs). Default 10 s: it bounds how long a move handed back by an instance that stopped or lost
   * the lease can stay with nats-server 2.9 before another instance gets it (see README).
   */
  readonly ackWaitMs?: number;
  /** Deliveries of a move before a failure that might pass (busy changer) is reported. Default 5. */
  readonly maxDeliver?: number;
  /** The process table for finding LTFS processes (tests). Default /proc. */
  readonly procRoot?: string;
}

/**
 * The changer, the only code that runs `mtx`:
 * - at start it records every cartridge (home slot, cleaning flag) in the catalog, retrying
 *   until that worked;
 * - it answers `pyt.<lib>.changer.status` with a fresh `mtx status`, and
 *   `pyt.<lib>.changer.clear-drive` (lifts a drive's block);
 * - the single writer (single-writer.ts): holds the library lease, reconciles the drives, then
 *   takes moves from `pyt.<lib>.changer.move` one at a time; a second instance stands by.
 */
export function createChangerService(options: ChangerServiceOptions = {}): ServiceDefinition {
  return {
    name: "changer",
    async start({ config, nc, js, jsm, log, signal }) {
      const libraryId = config.nats.libraryId;
      const s = subjects(libraryId);
      const retryMs = options.retryMs ?? 30_000;
      let lastProblem: string | null = "the first inventory has not been taken yet";
      let inventoryRecorded = false;

      let changer: MtxChanger | null = options.changer ?? null;
      if (changer === null) {
        try {
          changer = createMtxChanger({ mtxPath: config.tools.mtx, device: config.device.library });
        } catch (error) {
          lastProblem = describe(error);
          log.error("cannot drive the tape library", { error, hint: hintOf(error) });
        }
      }

      // One `mtx status` at a time; requests arriving meanwhile share its result.
      let reading: Promise<LibraryStatus> | null = null;
      const readLibrary = (): Promise<LibraryStatus> => {
        if (changer === null) {
          return Promise.reject(changerUnavailable(lastProblem ?? "no changer"));
        }
        const mtx = changer;
        reading ??= mtx.status().finally(() => {
          reading = null;
        });
        return reading;
      };

      const homes = catalogHomes(nc, libraryId, { simulated: config.device.simulate });
      const takeInventory = async (): Promise<void> => {
        let library: LibraryStatus;
        try {
          library = await readLibrary();
        } catch (error) {
          lastProblem = `mtx status failed: ${describe(error)}`;
          log.error("cannot read the tape library", {
            error,
            device: config.device.library,
            hint: hintOf(error),
          });
          throw error;
        }
        const inventory = inventoryOf(library, {
          mediaCapacityKiB: config.device.mediaCapacityKiB,
        });
        for (const problem of inventory.skipped) log.warn("cartridge not recorded", { problem });
        try {
          // The configuration alone says the library is simulated; the catalog marks its tapes.
          // Sent only when true: a tape once marked stays marked whatever a later start says.
          const cartridges = keepKnownHomes(
            inventory.cartridges,
            library,
            await homes.all().catch(() => new Map<string, number | null>()),
          ).map((cartridge) =>
            config.device.simulate ? { ...cartridge, simulated: true } : cartridge,
          );
          const op = CATALOG_REQUESTS["tapes-record"];
          const recorded = await request(
            nc,
            s.catalog(op.op),
            { cartridges },
            { request: op.request, reply: op.reply, timeoutMs: 10_000, service: "catalog" },
          );
          inventoryRecorded = true;
          lastProblem = null;
          log.info("library inventory recorded", {
            cartridges: recorded.recorded,
            added: recorded.added,
          });
        } catch (error) {
          lastProblem = `the catalog did not record the inventory: ${describe(error)}`;
          log.warn("cannot record the inventory in the catalog yet; will retry", { error });
          throw error;
        }
      };

      // Stops the inventory retries and the single writer when the service stops.
      const stopping = new AbortController();
      signal.addEventListener("abort", () => stopping.abort(), { once: true });
      const inventoryLoop = (async () => {
        while (!stopping.signal.aborted && !inventoryRecorded) {
          try {
            await takeInventory();
          } catch {
            await sleep(retryMs, stopping.signal);
          }
        }
      })();

      const statusSubscription = nc.subscribe(s.changerStatus, {
        queue: "changer",
        callback: (error, msg) => {
          if (error) {
            log.error("changer status subscription failed", { error });
            return;
          }
          void answerStatus(msg, readLibrary, log);
        },
      });

      const kv = await ensureKv(jsm, libraryId);
      const clearDriveSubscription = serveClearDrive({ nc, kv, libraryId, log });

      let writer: SingleWriter | null = null;
      if (changer !== null) {
        writer = runSingleWriter({
          libraryId,
          holder:
            options.holder ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
          leaseTtlMs: options.leaseTtlMs ?? 30_000,
          ...(options.leasePollMs === undefined ? {} : { leasePollMs: options.leasePollMs }),
          retryMs,
          ackWaitMs: options.ackWaitMs ?? 10_000,
          maxDeliver: options.maxDeliver ?? 5,
          kv,
          js,
          changer,
          readLibrary,
          drives: config.device.drives,
          occupancy: {
            mountTable: config.paths.mountTable,
            ...(options.procRoot === undefined ? {} : { procRoot: options.procRoot }),
          },
          homes,
          log,
          signal: stopping.signal,
        });
      }

      return {
        health: async () => {
          if (lastProblem !== null) return { ok: false, detail: lastProblem };
          if (statusSubscription.isClosed()) {
            return { ok: false, detail: "the status subscription is closed" };
          }
          const problem = writer?.problem() ?? null;
          if (problem !== null) return { ok: false, detail: problem };
          switch (writer?.role()) {
            case "waiting":
              return {
                ok: true,
                detail: `standby: another changer instance (${writer.heldBy() ?? "unknown"}) holds the library lease`,
              };
            case "reconciling":
              return { ok: true, detail: "reconciling the library" };
            default:
              return { ok: true, detail: "inventory recorded" };
          }
        },
        async stop() {
          stopping.abort();
          await Promise.allSettled([statusSubscription.drain(), clearDriveSubscription.drain()]);
          await inventoryLoop;
          await writer?.finished;
          await reading?.catch(() => {});
        },
      };
    },
  };
}

/** The changer as the runner starts it. */
export const changerService: ServiceDefinition = createChangerService();
