import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { messageOf } from "../../shared/format/index.ts";
import { createMtxChanger, type MtxChanger } from "../../shared/hardware/mtx/index.ts";
import { subjects } from "../../shared/messages/index.ts";
import { ensureKv, type ServiceDefinition } from "../../shared/nats/index.ts";
import { answerStatus, hintOf } from "./answer-status.ts";
import { catalogHomes } from "./catalog-homes.ts";
import { serveClearDrive } from "./clear-drive.ts";
import { readDriveLiveStates } from "./drive-live-states.ts";
import { recordInventory } from "./inventory-loop.ts";
import { createLibraryReader } from "./library-reader.ts";
import { runSingleWriter, type SingleWriter } from "./single-writer.ts";

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
 * - it answers `pyt.<lib>.changer.status` with a fresh `mtx status` (and the drives' live state
 *   when asked: `pytarchive library`), and
 *   `pyt.<lib>.changer.clear-drive` (lifts a drive's block);
 * - the single writer (single-writer.ts): holds the library lease, reconciles the drives, then
 *   takes moves from `pyt.<lib>.changer.move` one at a time; a second instance stands by.
 */
export function createChangerService(options: ChangerServiceOptions = {}): ServiceDefinition {
  return {
    name: "changer",
    async start({ config, nc, js, jsm, log, signal }) {
      const libraryId = config.nats.libraryId;
      const retryMs = options.retryMs ?? 30_000;
      const occupancy = {
        mountTable: config.paths.mountTable,
        ...(options.procRoot === undefined ? {} : { procRoot: options.procRoot }),
      };

      let changer: MtxChanger | null = options.changer ?? null;
      let whyNoChanger: { reason: string; hint?: string | undefined } = { reason: "no changer" };
      if (changer === null) {
        try {
          changer = createMtxChanger({ mtxPath: config.tools.mtx, device: config.device.library });
        } catch (error) {
          whyNoChanger = { reason: messageOf(error), hint: hintOf(error) };
          log.error("cannot drive the tape library", { error, hint: hintOf(error) });
        }
      }
      const library = createLibraryReader(changer, whyNoChanger);
      const readLibrary = () => library.read();
      const homes = catalogHomes(nc, libraryId, { simulated: config.device.simulate });
      const kv = await ensureKv(jsm, libraryId, {
        replicas: config.nats.replicas,
        stopping: signal,
      });

      // Stops the inventory retries and the single writer when the service stops.
      const stopping = new AbortController();
      signal.addEventListener("abort", () => stopping.abort(), { once: true });
      const inventory = recordInventory({
        nc,
        libraryId,
        device: config.device,
        readLibrary,
        homes,
        retryMs,
        log,
        signal: stopping.signal,
      });

      const statusSources = {
        readLibrary,
        readDrives: (status: Parameters<typeof readDriveLiveStates>[0]) =>
          readDriveLiveStates(status, { libraryId, kv, drives: config.device.drives, occupancy }),
      };
      const statusSubscription = nc.subscribe(subjects(libraryId).changerStatus, {
        queue: "changer",
        callback: (error, msg) => {
          if (error) {
            log.error("changer status subscription failed", { error });
            return;
          }
          void answerStatus(msg, statusSources, log);
        },
      });
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
          occupancy,
          homes,
          log,
          signal: stopping.signal,
        });
      }

      return {
        health: async () => {
          const problem =
            inventory.problem() ??
            (statusSubscription.isClosed() ? "the status subscription is closed" : null) ??
            writer?.problem() ??
            null;
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
          await inventory.finished;
          await writer?.finished;
          await library.idle();
        },
      };
    },
  };
}

/** The changer as the runner starts it. */
export const changerService: ServiceDefinition = createChangerService();
