import type { PytarchiveConfig } from "../../shared/config/index.ts";
import type { LogFields, LogLevel, LogStream } from "../../shared/logging/index.ts";
import type { NatsUser, ServiceDefinition, ServiceHealth } from "../../shared/nats/index.ts";
import {
  type RunningServices,
  runServices,
  type ServiceStopFailure,
  type StopReport,
} from "../runner/run-services.ts";
import { selectServices } from "../runner/select-services.ts";
import { natsUserOfService } from "./service-users.ts";

export interface RunServicesAsUsersOptions {
  readonly services: readonly ServiceDefinition[];
  /** Its `nats.url` is used; `nats.credentialsFile` is replaced per service. */
  readonly config: PytarchiveConfig;
  readonly only?: readonly string[];
  /** The credentials file of each NATS user. */
  readonly credentialsFile: (user: NatsUser) => string;
  readonly logLevel?: LogLevel;
  readonly logStream?: LogStream;
  /** Fields on every log line, e.g. the launcher's process group. */
  readonly logFields?: LogFields;
}

export interface ServicesAsUsers {
  /** Started services, in start order, with the user each connected as. */
  readonly started: readonly { readonly name: string; readonly user: NatsUser }[];
  health(): Promise<Record<string, ServiceHealth>>;
  /** Stops the services in reverse start order; reports those that did not stop cleanly. Idempotent. */
  stop(): Promise<StopReport>;
}

/**
 * The services to run, in start order, each with the NATS user it connects as. Throws
 * UNKNOWN_SERVICE or SERVICE_HAS_NO_NATS_USER, so a launcher can check before it starts anything.
 *
 * @example
 * planServiceUsers(SERVICE_REGISTRY, ["echo"]); // [{ service: echoService, user: "gateway" }]
 */
export function planServiceUsers(
  services: readonly ServiceDefinition[],
  only?: readonly string[],
): { service: ServiceDefinition; user: NatsUser }[] {
  return selectServices(services, only).map((service) => ({
    service,
    user: natsUserOfService(service.name),
  }));
}

/**
 * Runs each service in this process with a NATS connection of its own, as its own NATS user
 * (natsUserOfService), so the server holds every service to its own subjects even though they
 * share a process. Each service goes through the ordinary runner (runServices with `only` one
 * service), which ensures streams and stops the service and its connection. If one fails to
 * start, those already started are stopped and the error is thrown.
 *
 * @example
 * const services = await runServicesAsUsers({ services: SERVICE_REGISTRY, config, credentialsFile: layout.credentialsFile });
 * // … on SIGTERM
 * await services.stop();
 */
export async function runServicesAsUsers(
  options: RunServicesAsUsersOptions,
): Promise<ServicesAsUsers> {
  const plan = planServiceUsers(options.services, options.only);
  const running: { name: string; user: NatsUser; services: RunningServices }[] = [];
  let stopping: Promise<StopReport> | null = null;
  const stop = (): Promise<StopReport> => {
    stopping ??= (async () => {
      const failures: ServiceStopFailure[] = [];
      for (const entry of [...running].reverse()) {
        await entry.services.stop();
        failures.push(...(await entry.services.stopped).failures);
      }
      return { failures };
    })();
    return stopping;
  };
  try {
    for (const { service, user } of plan) {
      const services = await runServices({
        services: [service],
        config: {
          ...options.config,
          nats: { ...options.config.nats, credentialsFile: options.credentialsFile(user) },
        },
        handleSignals: false,
        ...(options.logLevel ? { logLevel: options.logLevel } : {}),
        ...(options.logStream ? { logStream: options.logStream } : {}),
        ...(options.logFields ? { logFields: options.logFields } : {}),
      });
      running.push({ name: service.name, user, services });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    started: running.map(({ name, user }) => ({ name, user })),
    health: async () => {
      const report: Record<string, ServiceHealth> = {};
      for (const entry of running) Object.assign(report, await entry.services.health());
      return report;
    },
    stop,
  };
}
