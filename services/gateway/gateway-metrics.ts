import { Counter, collectDefaultMetrics, Registry } from "prom-client";

/** How a command ended: answered, refused with a code (bad input, a state conflict), or failed. */
export type CommandOutcome = "ok" | "refused" | "failed";

export interface GatewayMetrics {
  readonly registry: Registry;
  countCommand(verb: string, outcome: CommandOutcome): void;
}

/**
 * A registry of its own (so two gateways in one test process do not collide) with the default
 * process metrics and `pytarchive_gateway_requests_total{verb,outcome}`.
 */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "pytarchive_gateway_requests_total",
    help: "Commands the gateway answered, by verb and outcome (ok, refused, failed).",
    labelNames: ["verb", "outcome"] as const,
    registers: [registry],
  });
  return {
    registry,
    countCommand: (verb, outcome) => requests.inc({ verb, outcome }),
  };
}
