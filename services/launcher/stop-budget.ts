import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { DEFAULT_DRAIN_TIMEOUT_MS } from "../../shared/nats/index.ts";
import { DEFAULT_SERVICE_STOP_TIMEOUT_MS } from "../runner/run-services.ts";
import { NATS_SERVER_STOP_TIMEOUT_MS } from "./embedded-nats-server.ts";

/**
 * What a service process may take beyond its services' stops: sending its report and exiting
 * (a module or two still closing).
 */
export const SERVICE_PROCESS_EXIT_MARGIN_MS = 10_000;

/**
 * The longest the services' stop can take: one service after the other, each up to its own
 * stop time limit (the ltfs service's is long: LTFS writes a tape's index) and then its
 * connection's drain.
 *
 * @example
 * servicesStopBudgetMs([echoService]) // 40000
 */
export function servicesStopBudgetMs(services: readonly ServiceDefinition[]): number {
  return services.reduce(
    (sum, service) =>
      sum + (service.stopTimeoutMs ?? DEFAULT_SERVICE_STOP_TIMEOUT_MS) + DEFAULT_DRAIN_TIMEOUT_MS,
    0,
  );
}

/**
 * The longest a launcher's stop can take: every service's stop one after the other (when they run
 * in `processes` child processes, those are stopped one after the other too, each with
 * {@link SERVICE_PROCESS_EXIT_MARGIN_MS} to exit), and at last nats-server. A supervisor that
 * kills sooner (systemd's TimeoutStopSec) cuts a stop short, possibly with LTFS still writing an
 * index: it must allow at least this for the layout with the most processes.
 *
 * @example
 * stopBudgetMs(SERVICE_REGISTRY) // ≈ 42 minutes
 * stopBudgetMs(SERVICE_REGISTRY, SERVICE_REGISTRY.length) // ≈ 44 minutes: `[Services] processes = each`
 */
export function stopBudgetMs(services: readonly ServiceDefinition[], processes = 0): number {
  return (
    servicesStopBudgetMs(services) +
    processes * SERVICE_PROCESS_EXIT_MARGIN_MS +
    NATS_SERVER_STOP_TIMEOUT_MS
  );
}
