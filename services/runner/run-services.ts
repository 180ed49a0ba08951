import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  createLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  type LogStream,
} from "../../shared/logging/index.ts";
import {
  connectNats,
  drainNats,
  ensureKv,
  ensureStreams,
  type RunningService,
  redactUrl,
  resilientJetStream,
  type ServiceDefinition,
  type ServiceHealth,
} from "../../shared/nats/index.ts";
import { selectServices } from "./select-services.ts";

export interface RunServicesOptions {
  /** Every service that can run (the registry). */
  readonly services: readonly ServiceDefinition[];
  readonly config: PytarchiveConfig;
  /** Names to run; default all. Unknown names are refused before anything starts. */
  readonly only?: readonly string[];
  /** Stop on SIGINT/SIGTERM (default true). Tests that stop by hand pass false. */
  readonly handleSignals?: boolean;
  /** Log level of every service's logger. Default "info". */
  readonly logLevel?: LogLevel;
  /** Where log lines go. Default stderr. */
  readonly logStream?: LogStream;
  /** Fields on every log line of these services, e.g. the launcher's process group. */
  readonly logFields?: LogFields;
  /** How long one service may take to stop before the runner moves on. Default 30 s. */
  readonly stopTimeoutMs?: number;
}

/** How long one service may take to stop unless it or the caller says otherwise. */
export const DEFAULT_SERVICE_STOP_TIMEOUT_MS = 30_000;

/** A service that did not stop cleanly: its stop threw (a tape left mounted) or took too long. */
export interface ServiceStopFailure {
  readonly service: string;
  readonly error: unknown;
}

/** How a stop went; a launcher exits non-zero when it was not clean. */
export interface StopReport {
  readonly failures: readonly ServiceStopFailure[];
}

export interface RunningServices {
  /** Names of the started services, in start order. */
  readonly names: readonly string[];
  readonly nc: NatsConnection;
  /** Health of each service; a health() that throws counts as not ok. */
  health(): Promise<Record<string, ServiceHealth>>;
  /**
   * Stops every service in reverse start order, then drains the connection. Idempotent. A
   * service whose stop fails is logged and listed in `stopped`'s report; the others still stop.
   */
  stop(): Promise<void>;
  /** Resolves once everything stopped (by stop() or a signal), saying what did not stop cleanly. */
  readonly stopped: Promise<StopReport>;
}

/**
 * Runs a set of services in this process: one NATS connection, streams and the lease bucket
 * ensured once, each service started in registry order, all stopped in reverse order on
 * SIGINT/SIGTERM (or stop()). If a service fails to start, those already started are stopped
 * and the error is thrown.
 *
 * @example
 * const running = await runServices({ services: REGISTRY, config: loadConfig(), only: ["gateway", "catalog"] });
 * await running.stopped;
 */
export async function runServices(options: RunServicesOptions): Promise<RunningServices> {
  const selected = selectServices(options.services, options.only);
  const makeLogger = (service: string): Logger =>
    createLogger({
      service,
      level: options.logLevel ?? "info",
      ...(options.logStream ? { stream: options.logStream } : {}),
      ...(options.logFields ? { fields: options.logFields } : {}),
    });
  const log = makeLogger("runner");
  const { config } = options;
  if (config.nats.url === null) {
    throw new PytarchiveError(
      "NATS_URL_MISSING",
      "No NATS server URL is configured, so the services have nothing to connect to.",
      {
        hint: "Run `npm start` (it starts its own NATS server), or set `[NATS] url` in the configuration (or $PYTARCHIVE_NATS_URL).",
      },
    );
  }
  const nc = await connectNats({
    url: config.nats.url,
    credentialsFile: config.nats.credentialsFile,
    name: `pytarchive-${selected.map((service) => service.name).join("+")}`,
  });
  const link = watchConnection(nc, log);
  const abort = new AbortController();
  const started: { name: string; running: RunningService; stopTimeoutMs?: number }[] = [];

  const stopAll = async (): Promise<StopReport> => {
    abort.abort(new Error("the service runner is stopping"));
    const failures: ServiceStopFailure[] = [];
    for (const { name, running, stopTimeoutMs } of [...started].reverse()) {
      try {
        await withTimeout(
          running.stop(),
          stopTimeoutMs ?? options.stopTimeoutMs ?? DEFAULT_SERVICE_STOP_TIMEOUT_MS,
          `${name} did not stop in time`,
        );
        log.info("service stopped", { stoppedService: name });
      } catch (error) {
        log.error("service did not stop cleanly", { stoppedService: name, error });
        failures.push({ service: name, error });
      }
    }
    // Without a server there is nothing to flush: a drain would only wait for a reconnect.
    if (link.connected) await drainNats(nc, { log });
    else await nc.close();
    return { failures };
  };

  try {
    const jsm = await jetstreamManager(nc);
    // Publishes wait out a stream's leader election (a cluster node lost) instead of failing.
    const js = resilientJetStream(nc, abort.signal);
    const replication = { replicas: config.nats.replicas };
    await ensureStreams(jsm, config.nats.libraryId, replication);
    await ensureKv(jsm, config.nats.libraryId, replication);
    for (const service of selected) {
      const running = await service.start({
        config,
        nc,
        js,
        jsm,
        log: makeLogger(service.name),
        signal: abort.signal,
      });
      started.push({
        name: service.name,
        running,
        ...(service.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: service.stopTimeoutMs }),
      });
      log.info("service started", { startedService: service.name });
    }
  } catch (error) {
    log.error("start failed; stopping what was started", { error });
    await stopAll();
    throw error;
  }

  let stopping: Promise<StopReport> | null = null;
  let resolveStopped: (report: StopReport) => void = () => {};
  const stopped = new Promise<StopReport>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    // One Ctrl-C arrives more than once (from the terminal and from npm): a stop is a stop.
    if (stopping !== null) {
      log.info("stop signal received again; still stopping (kill -9 forces it)", { signal });
      return;
    }
    log.info("stop signal received; stopping services", { signal });
    void stop();
  };
  const stop = (): Promise<StopReport> => {
    stopping ??= (async () => {
      const report = await stopAll();
      log.info("all services stopped");
      // Only now: a signal while stopping must find the handler, not end the process at once.
      if (options.handleSignals !== false) {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      resolveStopped(report);
      return report;
    })();
    return stopping;
  };
  if (options.handleSignals !== false) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  log.info("services running", {
    services: started.map((entry) => entry.name),
    natsUrl: redactUrl(config.nats.url),
    libraryId: config.nats.libraryId,
  });

  return {
    names: started.map((entry) => entry.name),
    nc,
    health: async () => {
      const report: Record<string, ServiceHealth> = {};
      for (const { name, running } of started) {
        try {
          report[name] = await running.health();
        } catch (error) {
          report[name] = { ok: false, detail: `health check failed: ${(error as Error).message}` };
        }
      }
      return report;
    },
    stop: async () => {
      await stop();
    },
    stopped,
  };
}

/**
 * Operators should see in the log when the services lose and regain the NATS server; the stop
 * needs to know whether there is a server to drain to.
 */
function watchConnection(nc: NatsConnection, log: Logger): { readonly connected: boolean } {
  const link = { connected: true };
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        link.connected = false;
        log.warn("lost the NATS server; reconnecting", { server: status.server });
      } else if (status.type === "reconnect") {
        link.connected = true;
        log.info("reconnected to the NATS server", { server: status.server });
      }
    }
  })().catch(() => {});
  return link;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
