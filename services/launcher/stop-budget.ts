import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { DEFAULT_DRAIN_TIMEOUT_MS } from "../../shared/nats/index.ts";
import { DEFAULT_SERVICE_STOP_TIMEOUT_MS } from "../runner/run-services.ts";
import { NATS_SERVER_STOP_TIMEOUT_MS } from "./embedded-nats-server.ts";

/**
 * The longest a launcher's stop can take: one service after the other, each up to its own stop
 * time limit (the ltfs service's is long: LTFS writes a tape's index) and then its connection's
 * drain, and at last nats-server. A supervisor that kills sooner (systemd's TimeoutStopSec) cuts
 * a stop short, possibly with LTFS still writing an index: it must allow at least this.
 *
 * @example
 * stopBudgetMs(SERVICE_REGISTRY) // ≈ 42 minutes
 */
export function stopBudgetMs(services: readonly ServiceDefinition[]): number {
  const servicesMs = services.reduce(
    (sum, service) =>
      sum + (service.stopTimeoutMs ?? DEFAULT_SERVICE_STOP_TIMEOUT_MS) + DEFAULT_DRAIN_TIMEOUT_MS,
    0,
  );
  return servicesMs + NATS_SERVER_STOP_TIMEOUT_MS;
}
