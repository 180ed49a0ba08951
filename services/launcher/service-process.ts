/**
 * A service process of the launcher (`[Services] processes = split` or `each`): forked by
 * supervised-process.ts with an IPC channel, never run by hand. It waits for the launcher's
 * "start" message (the launcher's configuration, the services, the log level), runs the services
 * each as its own NATS user (runServicesAsUsers, as the launcher does with `one`), reports
 * "started" or "start-failed", answers "health", and on "stop" stops them in reverse order and
 * reports what did not stop cleanly before it exits.
 *
 * Its log lines go to the launcher over the channel, which writes them with its own: one writer
 * keeps the log file's rotation (rotating-file.ts counts its own bytes) right. If the launcher
 * dies (kill -9), the channel closes: the process stops its services cleanly by itself (the ltfs
 * service unmounts its tapes, LTFS writing their index), appending its lines to the log file
 * meanwhile, and exits. It runs in a process group of its own, so a Ctrl-C in the launcher's
 * terminal does not reach it: the launcher stops the processes one after the other.
 */
import { PytarchiveError } from "../../shared/errors/index.ts";
import { messageOf } from "../../shared/format/index.ts";
import { createLogger, type LogStream } from "../../shared/logging/index.ts";
import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { openConfiguredLogSink } from "../runner/log-sink.ts";
import { lowerDataPathPriority } from "./data-path-priority.ts";
import { embeddedLayout } from "./embedded-layout.ts";
import { noteServiceProcess } from "./leftover-service-processes.ts";
import { runServicesAsUsers, type ServicesAsUsers } from "./run-services-as-users.ts";
import {
  errorToData,
  type FromServiceProcess,
  type ToServiceProcess,
} from "./service-process-protocol.ts";

type StartMessage = Extract<ToServiceProcess, { type: "start" }>;

const send = (message: FromServiceProcess): void => {
  if (process.connected) process.send?.(message);
};

/** Removes this process's pid note in the state folder; set once it started. */
let forgetPid: () => void = () => {};

/** Sends a last message, then exits: a plain exit could drop what is still queued on the channel. */
function sendThenExit(message: FromServiceProcess, code: number): void {
  forgetPid();
  if (!process.connected) process.exit(code);
  process.send?.(message, undefined, {}, () => process.exit(code));
}

for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", () => {
    // The launcher, which read these pipes, is gone; the stop goes on all the same.
  });
}

/**
 * Log lines: to the launcher while the channel is open; once it closed, appended to the log
 * file by this process (lines logged while the file opens wait for it).
 */
function createLogStream(): { stream: LogStream; launcherGone(start: StartMessage | null): void } {
  let fallback: LogStream | null = null;
  let waiting: string[] | null = null;
  return {
    stream: {
      write(line: string) {
        if (process.connected) send({ type: "log", line });
        else if (fallback !== null) fallback.write(line);
        else {
          waiting ??= [];
          waiting.push(line);
        }
      },
    },
    launcherGone(start) {
      waiting ??= [];
      const terminal: LogStream = {
        write(line: string) {
          try {
            process.stderr.write(line);
          } catch {
            // Nobody reads standard error any more.
          }
        },
      };
      // Several processes may append now; none rotates (maxBytes 0), so no line is lost to a rename.
      const opened =
        start === null
          ? Promise.resolve({ stream: terminal })
          : openConfiguredLogSink(
              { ...start.config, logging: { ...start.config.logging, maxBytes: 0 } },
              terminal,
            );
      void opened.then(
        (sink) => {
          fallback = sink.stream;
          for (const line of waiting ?? []) sink.stream.write(line);
          waiting = null;
        },
        () => {
          fallback = terminal;
        },
      );
    },
  };
}

type RegistryModule = { SERVICE_REGISTRY: readonly ServiceDefinition[] };

/**
 * The services' modules, loading from the moment the process starts: the launcher forks every
 * process before it tells them to start one after the other, so the loads run side by side.
 */
let defaultRegistry: Promise<RegistryModule> | null = null;

async function serviceRegistry(module: string | undefined): Promise<readonly ServiceDefinition[]> {
  const imported =
    module === undefined
      ? await (defaultRegistry ?? import("../runner/registry.ts"))
      : ((await import(module)) as RegistryModule);
  return imported.SERVICE_REGISTRY;
}

function main(): void {
  if (process.send === undefined) {
    process.stderr.write(
      "error: service-process.ts is started by the launcher (`npm start`), not by hand; run services by hand with services/runner/main.ts --only NAME.\n",
    );
    process.exitCode = 2;
    return;
  }
  defaultRegistry = import("../runner/registry.ts") as Promise<RegistryModule>;
  // A load that fails is reported when the start uses it, not as an unhandled rejection now.
  defaultRegistry.catch(() => {});
  const logs = createLogStream();
  let start: StartMessage | null = null;
  let starting: Promise<ServicesAsUsers | null> | null = null;
  let stopping = false;

  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      const log = start === null ? null : processLog(start, logs.stream);
      log?.info("stopping the service process", { reason });
      const running = await starting?.catch(() => null);
      const report = (await running?.stop()) ?? { failures: [] };
      log?.info("service process stopped", { failures: report.failures.length });
      sendThenExit(
        {
          type: "stopped",
          failures: report.failures.map(({ service, error }) => ({
            service,
            error: errorToData(error),
          })),
        },
        report.failures.length === 0 ? 0 : 1,
      );
    })();
  };

  process.on("message", (message: ToServiceProcess) => {
    if (message.type === "start" && start === null) {
      start = message;
      forgetPid = noteServiceProcess(message.config.paths.stateDir, message.group);
      starting = startServices(message, logs.stream);
      void starting.then(
        (running) => {
          if (running === null) return;
          send({ type: "started", services: running.started });
        },
        (error: unknown) => {
          if (!stopping) sendThenExit({ type: "start-failed", error: errorToData(error) }, 1);
        },
      );
    } else if (message.type === "health") {
      void (async () => {
        const running = await starting?.catch(() => null);
        send({ type: "health", id: message.id, report: (await running?.health()) ?? {} });
      })();
    } else if (message.type === "stop") {
      stop("the launcher stops");
    }
  });
  process.on("disconnect", () => {
    logs.launcherGone(start);
    stop("the launcher is gone (its channel closed)");
  });
  // Not a terminal's Ctrl-C (this process has its own group): someone signalled it on purpose.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    process.on(signal, () => stop(`${signal} received`));
  }
}

function processLog(start: StartMessage, stream: LogStream) {
  return createLogger({
    service: "service-process",
    level: start.logLevel,
    stream,
    fields: { group: start.group },
  });
}

async function startServices(
  start: StartMessage,
  stream: LogStream,
): Promise<ServicesAsUsers | null> {
  const log = processLog(start, stream);
  const niceness = lowerDataPathPriority(start.services);
  log.info("service process starting", {
    services: start.services,
    pid: process.pid,
    ...(niceness === null ? {} : { niceness }),
  });
  try {
    return await runServicesAsUsers({
      services: await serviceRegistry(start.registry),
      config: start.config,
      only: start.services,
      credentialsFile: embeddedLayout(start.config.paths.stateDir).credentialsFile,
      logLevel: start.logLevel,
      logStream: stream,
      logFields: { group: start.group },
    });
  } catch (error) {
    log.error("services could not start", {
      error: error instanceof PytarchiveError ? error : messageOf(error),
    });
    throw error;
  }
}

main();
