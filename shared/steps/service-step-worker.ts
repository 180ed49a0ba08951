import { hostname } from "node:os";
import type { CatalogClient, ServiceContext } from "../nats/index.ts";
import type { StepDefinition } from "./step-handler.ts";
import {
  type StepWorker,
  type StepWorkerTunables,
  startStepWorker,
  tunablesOf,
} from "./step-worker.ts";

/** What a worker service's options may set for its step worker. */
export interface ServiceStepWorkerOptions extends StepWorkerTunables {
  /** Names this instance in step results. Default `<service>@<host>:<pid>`. */
  readonly worker?: string;
}

/**
 * Starts the step worker of a service from what its start() is given: the library of the
 * configuration, the service's name as the worker's default, and the tunables among its options.
 *
 * @example
 * const worker = await startServiceStepWorker({ config, nc, js, log, signal },
 *   { service: "verification", steps: { verify }, concurrency: 2, catalog }, options);
 */
export function startServiceStepWorker(
  context: Pick<ServiceContext, "config" | "nc" | "js" | "log" | "signal">,
  work: {
    readonly service: string;
    readonly steps: Readonly<Record<string, StepDefinition>>;
    /** Steps run at once. */
    readonly concurrency: number;
    /** Default: a client of the service's connection. */
    readonly catalog?: CatalogClient;
  },
  options: ServiceStepWorkerOptions,
): Promise<StepWorker> {
  const { config, nc, js, log, signal } = context;
  return startStepWorker({
    ...work,
    nc,
    js,
    libraryId: config.nats.libraryId,
    log,
    signal,
    worker: options.worker ?? `${work.service}@${hostname()}:${process.pid}`,
    ackWaitMs: config.nats.ackWaitSeconds * 1000,
    ...tunablesOf(options),
  });
}
