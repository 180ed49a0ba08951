import { headers, type Msg } from "@nats-io/nats-core";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  createMtxChanger,
  type LibraryStatus,
  type MtxChanger,
} from "../../shared/hardware/mtx/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { CATALOG_REQUESTS } from "../../shared/messages/catalog-requests.ts";
import { ChangerStatusReply } from "../../shared/messages/changer-status.ts";
import { subjects } from "../../shared/messages/index.ts";
import { request, type ServiceDefinition } from "../../shared/nats/index.ts";
import { inventoryOf } from "./inventory-of.ts";

export { type Cartridge, type Inventory, inventoryOf } from "./inventory-of.ts";

export interface ChangerServiceOptions {
  /** The mtx adapter; default `createMtxChanger` with `[Tools] mtx` and `[Device] library`. */
  readonly changer?: MtxChanger;
  /** Wait between attempts while the first inventory cannot be taken or recorded. Default 30 s. */
  readonly retryMs?: number;
}

/**
 * The changer, minimal for now: at start it reads `mtx status` and records every cartridge (home
 * slot, cleaning flag) in the catalog, retrying until that worked; it answers
 * `pyt.<lib>.changer.status` with a fresh `mtx status`. It moves no tapes yet.
 */
export function createChangerService(options: ChangerServiceOptions = {}): ServiceDefinition {
  return {
    name: "changer",
    async start({ config, nc, log, signal }) {
      const s = subjects(config.nats.libraryId);
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
        if (changer === null) return Promise.reject(unavailable(lastProblem ?? "no changer"));
        const mtx = changer;
        reading ??= mtx.status().finally(() => {
          reading = null;
        });
        return reading;
      };

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
        const { cartridges, skipped } = inventoryOf(library);
        for (const problem of skipped) log.warn("cartridge not recorded", { problem });
        try {
          const recorded = await request(
            nc,
            s.catalog("tapes-record"),
            { cartridges },
            {
              request: CATALOG_REQUESTS["tapes-record"].request,
              reply: CATALOG_REQUESTS["tapes-record"].reply,
              timeoutMs: 10_000,
              service: "catalog",
            },
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

      let stopped = false;
      // Wakes the retry wait when the service stops.
      const wake = new AbortController();
      signal.addEventListener("abort", () => wake.abort(), { once: true });
      const inventoryLoop = (async () => {
        while (!wake.signal.aborted && !inventoryRecorded && !stopped) {
          try {
            await takeInventory();
          } catch {
            await sleep(retryMs, wake.signal);
          }
        }
      })();

      const subscription = nc.subscribe(s.changerStatus, {
        queue: "changer",
        callback: (error, msg) => {
          if (error) {
            log.error("changer status subscription failed", { error });
            return;
          }
          void answerStatus(msg, readLibrary, log);
        },
      });

      return {
        health: async () =>
          lastProblem === null && !subscription.isClosed()
            ? { ok: true, detail: "inventory recorded" }
            : { ok: false, detail: lastProblem ?? "the status subscription is closed" },
        async stop() {
          stopped = true;
          wake.abort();
          await subscription.drain();
          await inventoryLoop;
          await reading?.catch(() => {});
        },
      };
    },
  };
}

async function answerStatus(
  msg: Msg,
  readLibrary: () => Promise<LibraryStatus>,
  log: Logger,
): Promise<void> {
  try {
    const library = await readLibrary();
    msg.respond(ChangerStatusReply.encode({ library, readAt: new Date().toISOString() }));
  } catch (error) {
    const refusal =
      error instanceof PytarchiveError && error.code === "CHANGER_UNAVAILABLE"
        ? error
        : unavailable(describe(error), hintOf(error));
    log.warn("changer status request failed", { code: refusal.code, reason: refusal.message });
    // The same error headers as @nats-io/services, so request() turns them into a ServiceError.
    const h = headers();
    h.set("Nats-Service-Error", refusal.message);
    h.set("Nats-Service-Error-Code", "503");
    msg.respond(
      JSON.stringify({
        code: refusal.code,
        message: refusal.message,
        ...(refusal.hint === undefined ? {} : { hint: refusal.hint }),
      }),
      { headers: h },
    );
  }
}

/** Every failure to read the library reaches clients as CHANGER_UNAVAILABLE, with mtx's reason. */
function unavailable(reason: string, hint?: string): PytarchiveError {
  return new PytarchiveError("CHANGER_UNAVAILABLE", `The tape library cannot be read: ${reason}`, {
    hint:
      hint ??
      "Check [Device] library and [Tools] mtx in pytarchive.conf, and run `mtx -f <library> status` by hand.",
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function hintOf(error: unknown): string | undefined {
  return error instanceof PytarchiveError ? error.hint : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** The changer as the runner starts it. */
export const changerService: ServiceDefinition = createChangerService();
