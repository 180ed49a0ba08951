import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { CatalogReply } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";

/** How a command ended: answered, refused with a code (bad input, a state conflict), or failed. */
export type CommandOutcome = "ok" | "refused" | "failed";

export interface GatewayMetrics {
  readonly registry: Registry;
  countCommand(verb: string, outcome: CommandOutcome): void;
}

/**
 * A registry of its own (so two gateways in one test process do not collide) with the default
 * process metrics and `pytarchive_gateway_requests_total{verb,outcome}`. With a catalog, what an
 * operator alerts on is read from it at every scrape: `pytarchive_jobs{state,kind}` (running,
 * queued and failed jobs), `pytarchive_tape_used_kib{barcode}` and
 * `pytarchive_tape_capacity_kib{barcode}`, and `pytarchive_catalog_up` (0 when the catalog did
 * not answer: the other gauges are then empty rather than stale).
 */
export function createGatewayMetrics(options: { catalog?: CatalogClient } = {}): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "pytarchive_gateway_requests_total",
    help: "Commands the gateway answered, by verb and outcome (ok, refused, failed).",
    labelNames: ["verb", "outcome"] as const,
    registers: [registry],
  });
  if (options.catalog !== undefined) observeCatalog(registry, options.catalog);
  return {
    registry,
    countCommand: (verb, outcome) => requests.inc({ verb, outcome }),
  };
}

function observeCatalog(registry: Registry, catalog: CatalogClient): void {
  const up: Gauge = new Gauge({
    name: "pytarchive_catalog_up",
    help: "1 when the catalog answered this scrape's questions, else 0.",
    registers: [registry],
    async collect() {
      up.set((await ask()) === null ? 0 : 1);
    },
  });
  // Each scrape asks once; the gauges below are filled from the same answers.
  let answers: Promise<Answers | null> | null = null;
  const ask = () => {
    answers ??= readAnswers(catalog).finally(() => {
      setTimeout(() => {
        answers = null;
      }, 1_000).unref();
    });
    return answers;
  };
  const jobs = new Gauge({
    name: "pytarchive_jobs",
    help: "Jobs in the queue by state (running, queued, failed) and kind.",
    labelNames: ["state", "kind"] as const,
    registers: [registry],
    async collect() {
      jobs.reset();
      const found = await ask();
      if (found === null) return;
      for (const [state, list] of Object.entries(found.queue)) {
        for (const job of list) jobs.inc({ state, kind: job.kind });
      }
    },
  });
  const used = new Gauge({
    name: "pytarchive_tape_used_kib",
    help: "KiB used on each tape: LTFS's last report, or the catalog's archived folders if more.",
    labelNames: ["barcode"] as const,
    registers: [registry],
    async collect() {
      used.reset();
      for (const tape of (await ask())?.tapes ?? [])
        used.set({ barcode: tape.barcode }, tape.usedKiB);
    },
  });
  const capacity = new Gauge({
    name: "pytarchive_tape_capacity_kib",
    help: "Each tape's capacity in KiB (LTFS's, the library's or its LTO generation's), capped by [General] tape_max_size.",
    labelNames: ["barcode"] as const,
    registers: [registry],
    async collect() {
      capacity.reset();
      for (const tape of (await ask())?.tapes ?? []) {
        capacity.set({ barcode: tape.barcode }, tape.capacityKiB);
      }
    },
  });
}

interface Answers {
  readonly queue: CatalogReply<"queue">;
  readonly tapes: CatalogReply<"tapes-list">["tapes"];
}

async function readAnswers(catalog: CatalogClient): Promise<Answers | null> {
  try {
    const [queue, { tapes }] = await Promise.all([
      catalog.call("queue", {}),
      catalog.call("tapes-list", {}),
    ]);
    return { queue, tapes: tapes.filter((tape) => !tape.cleaning) };
  } catch {
    return null;
  }
}
