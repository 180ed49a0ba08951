import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { Counter, collectDefaultMetrics, Registry } from "prom-client";
import { COMMAND_VERBS, kvBucketNames } from "../../shared/messages/index.ts";
import { type CatalogClient, readDriveState } from "../../shared/nats/index.ts";
import { catalogScraper, registerCatalogFamilies } from "./catalog-metrics.ts";
import { countChangerMoves } from "./changer-move-metrics.ts";
import { type DriveStateReader, registerDriveFamilies } from "./drive-metrics.ts";
import { jetStreamScraper, registerJetStreamFamilies } from "./jetstream-metrics.ts";

/** How a command ended: answered, refused with a code (bad input, a state conflict), or failed. */
export type CommandOutcome = "ok" | "refused" | "failed";
const COMMAND_OUTCOMES: readonly CommandOutcome[] = ["ok", "refused", "failed"];

/** How long a scrape waits for the JetStream management API before showing it as down. */
export const JETSTREAM_SCRAPE_TIMEOUT_MS = 2_000;

export interface GatewayMetrics {
  readonly registry: Registry;
  countCommand(verb: string, outcome: CommandOutcome): void;
  /** Stops listening for move outcomes. */
  stop(): void;
}

export interface GatewayMetricsSources {
  /** The catalog, asked at every scrape (jobs, runs, drives' bytes, tapes). */
  readonly catalog?: CatalogClient;
  /** NATS, for JetStream's consumers and dead letters, drive states and move outcomes. */
  readonly nats?: { readonly nc: NatsConnection; readonly libraryId: string };
  /** The configured drives (`[Drive N]` element numbers), each shown before it did anything. */
  readonly drives?: readonly number[];
  /** Overrides how a drive's recorded state is read (default: the library's lease bucket). */
  readonly readDriveState?: DriveStateReader;
}

const NON_COUNTERS_NAMED_TOTAL = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/**
 * A registry of its own (so two gateways in one test process do not collide) with the default
 * process metrics, `pytarchive_gateway_requests_total{verb,outcome}` (every verb and outcome
 * from 0), and, from the sources given, the families that services/gateway/README.md lists:
 * read from the catalog and JetStream at each scrape, move outcomes counted as they come.
 */
export function createGatewayMetrics(sources: GatewayMetricsSources = {}): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names three gauges `_total`, which Prometheus keeps for counters (promtool
  // flags them); the same counts stay in nodejs_active_{handles,requests,resources} by type.
  for (const name of NON_COUNTERS_NAMED_TOTAL) registry.removeSingleMetric(name);
  const requests = new Counter({
    name: "pytarchive_gateway_requests_total",
    help: "Commands the gateway answered, by verb and outcome (ok, refused, failed).",
    labelNames: ["verb", "outcome"] as const,
    registers: [registry],
  });
  for (const verb of COMMAND_VERBS) {
    for (const outcome of COMMAND_OUTCOMES) requests.inc({ verb, outcome }, 0);
  }
  const drives = sources.drives ?? [];
  const subscriptions: Subscription[] = [];
  if (sources.catalog !== undefined) {
    const catalog = catalogScraper(sources.catalog);
    registerCatalogFamilies(registry, catalog, drives);
    const readState = sources.readDriveState ?? natsDriveStates(sources.nats);
    if (readState !== null) {
      registerDriveFamilies(registry, { drives, catalog, readDriveState: readState });
    }
  }
  if (sources.nats !== undefined) {
    const { nc, libraryId } = sources.nats;
    let manager: Promise<JetStreamManager> | null = null;
    const jsm = () => {
      manager ??= jetstreamManager(nc, { timeout: JETSTREAM_SCRAPE_TIMEOUT_MS }).catch((error) => {
        manager = null;
        throw error;
      });
      return manager;
    };
    registerJetStreamFamilies(
      registry,
      jetStreamScraper(jsm, libraryId, JETSTREAM_SCRAPE_TIMEOUT_MS),
    );
    subscriptions.push(countChangerMoves(registry, nc, libraryId));
  }
  return {
    registry,
    countCommand: (verb, outcome) => requests.inc({ verb, outcome }),
    stop: () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}

/** Drive states from the library's lease bucket, opened at the first scrape that needs it. */
function natsDriveStates(nats: GatewayMetricsSources["nats"]): DriveStateReader | null {
  if (nats === undefined) return null;
  const { nc, libraryId } = nats;
  let bucket: ReturnType<Kvm["open"]> | null = null;
  return async (drive) => {
    bucket ??= new Kvm(nc).open(kvBucketNames(libraryId).leases).catch((error) => {
      bucket = null;
      throw error;
    });
    return readDriveState(await bucket, libraryId, drive);
  };
}
