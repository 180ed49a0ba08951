import { mkdirSync } from "node:fs";
import { writeNatsServerConfig } from "../../infra/nats/nats-server-config.ts";
import type { ProcessLayout, PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger, LogLevel, LogStream } from "../../shared/logging/index.ts";
import type { NatsUser, ServiceDefinition, ServiceHealth } from "../../shared/nats/index.ts";
import { writeEmbeddedClientSettings } from "../../shared/nats/index.ts";
import { runServices, type StopReport } from "../runner/run-services.ts";
import { ensureEmbeddedCredentials } from "./embedded-credentials.ts";
import { type EmbeddedLayout, embeddedLayout } from "./embedded-layout.ts";
import { type EmbeddedNatsServer, startEmbeddedNatsServer } from "./embedded-nats-server.ts";
import { stopLeftoverNatsServer } from "./leftover-nats-server.ts";
import { waitForLeftoverServiceProcesses } from "./leftover-service-processes.ts";
import { natsServerVersionOrThrow } from "./nats-server-binary.ts";
import type { BackoffOptions } from "./restart-backoff.ts";
import { runServiceProcesses } from "./run-service-processes.ts";
import {
  planServiceUsers,
  runServicesAsUsers,
  type ServicesAsUsers,
} from "./run-services-as-users.ts";
import { chooseTapeLibrary, type LibraryChoice, requireChanger } from "./simulated-library.ts";
import { lockStateDir } from "./state-lock.ts";
import { stopBudgetMs } from "./stop-budget.ts";
import type { ProcessStatus } from "./supervised-process.ts";

/** The embedded NATS server's port unless PYTARCHIVE_NATS_PORT or --nats-port say otherwise. */
export const DEFAULT_EMBEDDED_NATS_PORT = 14222;

/** The embedded NATS server listens on loopback only: the CLI and the services are on this machine. */
export const EMBEDDED_NATS_HOST = "127.0.0.1";

export interface LaunchOptions {
  readonly config: PytarchiveConfig;
  /** Every service that can run (the runner's registry). */
  readonly services: readonly ServiceDefinition[];
  /** Names to run; default all. */
  readonly only?: readonly string[];
  /** Port of the embedded NATS server. Default {@link DEFAULT_EMBEDDED_NATS_PORT}. */
  readonly natsPort?: number;
  /** The nats-server command. Default `nats-server` (from PATH). */
  readonly natsServerBinary?: string;
  /** The launcher's own log. */
  readonly log: Logger;
  /** Log level and destination of the services' loggers. */
  readonly logLevel?: LogLevel;
  readonly logStream?: LogStream;
  /** How the services run in processes; default `[Services] processes`. */
  readonly processes?: ProcessLayout;
  /** Pauses before a dead service process starts again (tests shorten them). */
  readonly backoff?: BackoffOptions;
  /** Module exporting SERVICE_REGISTRY, the `services` service processes import; default the runner's. */
  readonly registry?: string;
}

export interface RunningPytarchive {
  readonly natsUrl: string;
  /** The embedded nats-server, or null when `[NATS] url` names a server. */
  readonly embeddedNats: { readonly pid: number; readonly version: string } | null;
  /** The simulated tape library's folder, or null when a real changer is configured. */
  readonly simulatedLibrary: string | null;
  /** Started services and the NATS user each connected as (null: the configured credentials). */
  readonly services: readonly { readonly name: string; readonly user: NatsUser | null }[];
  /** How the services run: in the launcher (`one`), or in child processes (`split`, `each`). */
  readonly layout: ProcessLayout;
  /** The service processes (none with `one`): group, state, pid and restarts, in start order. */
  processes(): ProcessStatus[];
  /** `<state>/client.json` when the NATS server is embedded, else null. */
  readonly clientFile: string | null;
  /** Rejects if the embedded nats-server stops on its own (it never resolves). */
  readonly failure: Promise<never>;
  health(): Promise<Record<string, ServiceHealth>>;
  /**
   * Stops the services (reverse start order), then the embedded nats-server. Idempotent. The
   * report lists the services that did not stop cleanly (e.g. a tape left mounted).
   */
  stop(): Promise<StopReport>;
}

/**
 * Brings pytarchive up on one machine. With no `[NATS] url`: starts nats-server with JetStream
 * (store and generated users in the state folder, on 127.0.0.1), writes a credentials file per
 * user, runs each service as its own NATS user and writes `<state>/client.json` for the CLI.
 * With a URL: runs the services against that server with the configured credentials. Either way
 * the simulated tape library stands in only when the configuration asks for it; a missing
 * changer otherwise stops the start before anything runs (chooseTapeLibrary).
 *
 * @example
 * const running = await launchPytarchive({ config: loadConfig(), services: SERVICE_REGISTRY, log });
 * // … on SIGTERM
 * await running.stop();
 */
export async function launchPytarchive(options: LaunchOptions): Promise<RunningPytarchive> {
  const { log } = options;
  // A missing changer stops the start before anything is created or started.
  requireChanger(options.config);
  if (options.config.nats.url !== null) return await launchWithExternalNats(options);

  // Refuse unknown service names and services without a NATS user before starting anything.
  planServiceUsers(options.services, options.only);
  const binary = options.natsServerBinary ?? "nats-server";
  const version = await natsServerVersionOrThrow(binary);
  const port = options.natsPort ?? DEFAULT_EMBEDDED_NATS_PORT;
  const layout = embeddedLayout(options.config.paths.stateDir);
  createStateFolders(layout);
  const lock = lockStateDir(layout.lockFile, layout.stateDir);
  let server: EmbeddedNatsServer | null = null;
  let services: (ServicesAsUsers & { processes?: () => ProcessStatus[] }) | null = null;
  const processLayout = options.processes ?? options.config.services.processes;
  let stopping = false;
  const stopEverything = async (): Promise<StopReport> => {
    stopping = true;
    const report = (await services?.stop()) ?? { failures: [] };
    if (server !== null) {
      const exit = await server.stop();
      log.info("nats-server stopped", { exitCode: exit.code, signal: exit.signal });
    }
    lock.release();
    return report;
  };
  try {
    const library = await chooseTapeLibrary(options.config, layout.simulatorDir);
    logSimulation(log, library);
    const passwords = ensureEmbeddedCredentials(layout);
    await stopLeftoverNatsServer(layout.natsPidFile, layout.natsConfigFile, log);
    writeNatsServerConfig({
      file: layout.natsConfigFile,
      libraryId: options.config.nats.libraryId,
      storeDir: layout.natsDir,
      host: EMBEDDED_NATS_HOST,
      port,
      passwords,
      pidFile: layout.natsPidFile,
    });
    const natsUrl = `nats://${EMBEDDED_NATS_HOST}:${port}`;
    server = await startEmbeddedNatsServer({
      binary,
      configFile: layout.natsConfigFile,
      log: log.child({ component: "nats-server" }),
    });
    log.info("nats-server ready", {
      url: natsUrl,
      pid: server.pid,
      version,
      store: layout.natsDir,
    });
    // With the server back (same address, same users), a killed launcher's service processes
    // finish their stop at once: their requests get "no responders" instead of each waiting for
    // its timeout (tens of seconds), and their publishes go through.
    await waitForLeftoverServiceProcesses(layout.stateDir, log, stopBudgetMs(options.services));
    const config = { ...library.config, nats: { ...library.config.nats, url: natsUrl } };
    services =
      processLayout === "one"
        ? await runServicesAsUsers({
            services: options.services,
            config,
            ...(options.only ? { only: options.only } : {}),
            credentialsFile: layout.credentialsFile,
            ...(options.logLevel ? { logLevel: options.logLevel } : {}),
            ...(options.logStream ? { logStream: options.logStream } : {}),
          })
        : await runServiceProcesses({
            services: options.services,
            layout: processLayout,
            config,
            ...(options.only ? { only: options.only } : {}),
            log,
            logLevel: options.logLevel ?? "info",
            logStream: options.logStream ?? process.stderr,
            ...(options.backoff ? { backoff: options.backoff } : {}),
            ...(options.registry ? { registry: options.registry } : {}),
          });
    const clientFile = writeEmbeddedClientSettings(layout.stateDir, {
      natsUrl,
      credentialsFile: layout.credentialsFile("operator"),
      libraryId: config.nats.libraryId,
      launcherPid: process.pid,
      startedAt: new Date().toISOString(),
      simulatedLibrary: library.simulatedLibrary,
    });
    const started = server;
    const failure = started.exited.then((exit): never => {
      throw new PytarchiveError(
        "NATS_SERVER_STOPPED",
        `The embedded nats-server stopped on its own (${exit.signal ?? `exit status ${exit.code}`}). Its last lines:\n  ${started.recentLines().slice(-8).join("\n  ")}`,
        {
          hint: "pytarchive stops too; start it again with `npm start` (queued jobs are kept in the NATS store).",
        },
      );
    });
    // Only an unexpected exit is a failure; the caller may never look at it otherwise.
    failure.catch(() => {});
    let stopped: Promise<StopReport> | null = null;
    return {
      natsUrl,
      embeddedNats: { pid: started.pid, version },
      simulatedLibrary: library.simulatedLibrary,
      services: services.started,
      layout: processLayout,
      processes: () => services?.processes?.() ?? [],
      clientFile,
      failure: stoppingAware(failure, () => stopping),
      health: () => services?.health() ?? Promise.resolve({}),
      stop: () => {
        stopped ??= stopEverything();
        return stopped;
      },
    };
  } catch (error) {
    await stopEverything();
    throw error;
  }
}

async function launchWithExternalNats(options: LaunchOptions): Promise<RunningPytarchive> {
  const layout = embeddedLayout(options.config.paths.stateDir);
  createStateFolders(layout, false);
  const library = await chooseTapeLibrary(options.config, layout.simulatorDir);
  logSimulation(options.log, library);
  const running = await runServices({
    services: options.services,
    config: library.config,
    ...(options.only ? { only: options.only } : {}),
    handleSignals: false,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  return {
    natsUrl: options.config.nats.url ?? "",
    embeddedNats: null,
    simulatedLibrary: library.simulatedLibrary,
    services: running.names.map((name) => ({ name, user: null })),
    // With a NATS server of its own a site runs its share with the runner; here all run in one.
    layout: "one",
    processes: () => [],
    clientFile: null,
    failure: new Promise<never>(() => {}),
    health: () => running.health(),
    stop: async () => {
      await running.stop();
      return await running.stopped;
    },
  };
}

/** Says loudly that the tapes are not real: nothing archived on them is safe to delete. */
function logSimulation(log: Logger, library: LibraryChoice): void {
  if (library.simulatedLibrary === null) return;
  log.warn(
    `simulation asked for: ${library.created ? "created" : "using"} a SIMULATED tape library; its tapes are loop images, marked simulated, and nothing archived on them counts as a copy`,
    { folder: library.simulatedLibrary },
  );
}

/** A failure promise that stays pending once a stop has begun (the server exits then on purpose). */
function stoppingAware(failure: Promise<never>, isStopping: () => boolean): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    failure.catch((error: unknown) => {
      if (!isStopping()) reject(error);
    });
  });
}

function createStateFolders(layout: EmbeddedLayout, withNats = true): void {
  try {
    mkdirSync(layout.stateDir, { recursive: true });
    if (withNats) mkdirSync(layout.natsDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new PytarchiveError(
      "STATE_DIR_UNWRITABLE",
      `The state folder ${layout.stateDir} cannot be created or written: ${(cause as Error).message}.`,
      {
        hint: "Run `npm start` as root (the default state folder is /var/lib/pytarchive), or set another folder with PYTARCHIVE_STATE_DIR or [Paths] state_dir.",
        cause,
      },
    );
  }
}
