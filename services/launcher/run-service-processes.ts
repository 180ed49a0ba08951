import type { PytarchiveConfig } from "../../shared/config/index.ts";
import type { Logger, LogLevel, LogStream } from "../../shared/logging/index.ts";
import type { NatsUser, ServiceDefinition, ServiceHealth } from "../../shared/nats/index.ts";
import type { ServiceStopFailure, StopReport } from "../runner/run-services.ts";
import { planProcessGroups } from "./process-groups.ts";
import type { BackoffOptions } from "./restart-backoff.ts";
import { planServiceUsers, type ServicesAsUsers } from "./run-services-as-users.ts";
import { SERVICE_PROCESS_EXIT_MARGIN_MS, servicesStopBudgetMs } from "./stop-budget.ts";
import {
  type ProcessStatus,
  type SupervisedProcess,
  superviseProcess,
} from "./supervised-process.ts";

export interface RunServiceProcessesOptions {
  /** Every service that can run; the processes import the same from `registry`. */
  readonly services: readonly ServiceDefinition[];
  readonly only?: readonly string[];
  readonly layout: "split" | "each";
  /** The configuration the services run with (the embedded NATS server's URL in it). */
  readonly config: PytarchiveConfig;
  readonly log: Logger;
  readonly logLevel: LogLevel;
  /** Where the processes' log lines are written: the launcher's log sink. */
  readonly logStream: LogStream;
  readonly backoff?: BackoffOptions;
  /** Module exporting SERVICE_REGISTRY (the one `services` is); default the runner's registry. */
  readonly registry?: string;
}

export interface ServiceProcesses extends ServicesAsUsers {
  /** Each process: its group, state, pid and restarts, in start order. */
  processes(): ProcessStatus[];
}

/**
 * Runs the services in child processes of the launcher, grouped as `layout` says
 * (process-groups.ts), each service as its own NATS user as in the launcher's own process. The
 * processes start one after the other in start order (a failure stops those already started and
 * is thrown with its code, message and hint), are started again when they die, and stop in
 * reverse order, each waited for as long as its services' stops may take.
 *
 * @example
 * const running = await runServiceProcesses({ services: SERVICE_REGISTRY, layout: "split", config, log, logLevel: "info", logStream: sink.stream });
 * // … on SIGTERM
 * const report = await running.stop();
 */
export async function runServiceProcesses(
  options: RunServiceProcessesOptions,
): Promise<ServiceProcesses> {
  // Refuses unknown names and services without a NATS user before a process is forked.
  const plan = planServiceUsers(options.services, options.only);
  const definitions = new Map(plan.map(({ service }) => [service.name, service]));
  const groups = planProcessGroups(
    options.layout,
    plan.map(({ service }) => service.name),
  );
  const supervised: SupervisedProcess[] = [];
  const started: { name: string; user: NatsUser }[] = [];
  let stopping: Promise<StopReport> | null = null;
  const stop = (): Promise<StopReport> => {
    stopping ??= (async () => {
      const failures: ServiceStopFailure[] = [];
      for (const process of [...supervised].reverse()) {
        failures.push(...(await process.stop()).failures);
      }
      return { failures };
    })();
    return stopping;
  };
  try {
    for (const group of groups) {
      supervised.push(
        superviseProcess({
          group,
          config: options.config,
          logLevel: options.logLevel,
          log: options.log,
          logStream: options.logStream,
          stopTimeoutMs:
            servicesStopBudgetMs(group.services.flatMap((name) => definitions.get(name) ?? [])) +
            SERVICE_PROCESS_EXIT_MARGIN_MS,
          ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
          ...(options.registry === undefined ? {} : { registry: options.registry }),
        }),
      );
    }
    // Every process loads Node and its modules at once; their services still start in order.
    for (const process of supervised) process.prepare();
    for (const process of supervised) started.push(...(await process.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    started,
    processes: () => supervised.map((process) => process.status()),
    health: async () => {
      const report: Record<string, ServiceHealth> = {};
      for (const process of supervised) Object.assign(report, await process.health());
      return report;
    },
    stop,
  };
}
