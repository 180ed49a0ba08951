/**
 * `npm start`: runs pytarchive on one machine (see README.md beside this file).
 *
 *   npm start                                  everything, embedded NATS when no [NATS] url
 *   npm start -- --only gateway,catalog        only these services
 *   npm start -- --config FILE --nats-port N   another configuration file / embedded NATS port
 *   npm start -- --simulate                    on the built-in simulated tape library
 *   npm start -- --processes each              one process a service (default [Services] processes)
 *
 * Exits 0 after a clean stop (SIGINT, SIGTERM or SIGHUP, however many copies arrive): every
 * tape unmounted, then nats-server stopped. Exits 1 when something could not start, the
 * embedded nats-server stopped on its own, or a service did not stop cleanly (a tape left
 * mounted above all: the host must not be switched off then).
 */
import { parseArgs } from "node:util";
import {
  isProcessLayout,
  loadConfig,
  PROCESS_LAYOUTS,
  type ProcessLayout,
} from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { messageOf } from "../../shared/format/index.ts";
import { createLogger, type Logger } from "../../shared/logging/index.ts";
import { redactUrl } from "../../shared/nats/index.ts";
import { openConfiguredLogSink } from "../runner/log-sink.ts";
import { SERVICE_REGISTRY } from "../runner/registry.ts";
import { KNOWN_SERVICES, runMain, SERVICE_RUN_OPTIONS } from "../runner/run-main.ts";
import type { StopReport } from "../runner/run-services.ts";
import { DEFAULT_EMBEDDED_NATS_PORT, launchPytarchive, type RunningPytarchive } from "./launch.ts";

/** Environment variable for the embedded NATS server's port. */
export const NATS_PORT_ENV = "PYTARCHIVE_NATS_PORT";

const USAGE = `Usage: npm start [-- [--only NAME[,NAME...]] [--config FILE] [--nats-port PORT] [--simulate] [--processes split|each|one]]

Runs pytarchive on this machine until Ctrl-C or SIGTERM: its own NATS server (when the
configuration names no [NATS] url) and the services, on the configured tape changer
([Device] library), or on a simulated tape library when asked for.

  --only NAMES      run only these services (comma-separated); default all
  --config FILE     configuration file (default $PYTARCHIVE_CONFIG or /etc/pytarchive/pytarchive.conf)
  --nats-port PORT  port of the embedded NATS server on 127.0.0.1 (default $${NATS_PORT_ENV} or ${DEFAULT_EMBEDDED_NATS_PORT})
  --simulate        run on the built-in simulated tape library (as [Device] simulate = yes);
                    its tapes are marked simulated and never count as a copy
  --processes HOW   split: the data path (ltfs, verification, compression) in one process, the
                    other services in another; each: one process a service; one: all in this
                    process (default [Services] processes, else split). A service process
                    that dies is started again.
  -h, --help        show this help

${KNOWN_SERVICES}`;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...SERVICE_RUN_OPTIONS,
      "nats-port": { type: "string" },
      simulate: { type: "boolean", default: false },
      processes: { type: "string" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Listen for a stop signal at once: one that arrives while starting stops after the start.
  const stopSignal = stopSignalOnce();
  const natsPort = portOrThrow(values["nats-port"] ?? process.env[NATS_PORT_ENV]);
  const processes = processLayoutOrThrow(values.processes);
  const loaded = loadConfig(values.config === undefined ? {} : { path: values.config });
  const config = values.simulate
    ? { ...loaded, device: { ...loaded.device, simulate: true } }
    : loaded;
  const sink = await openConfiguredLogSink(config);
  const log = createLogger({
    service: "launcher",
    level: config.logging.level,
    stream: sink.stream,
  });
  const running = await launchPytarchive({
    config,
    services: SERVICE_REGISTRY,
    log,
    logLevel: config.logging.level,
    logStream: sink.stream,
    ...(natsPort === undefined ? {} : { natsPort }),
    ...(processes === undefined ? {} : { processes }),
    ...(values.only === undefined ? {} : { only: values.only.split(",") }),
  });
  writeQuietly(
    process.stdout,
    describeRunning(running, config.paths.stateDir, config.nats.libraryId, sink.file),
  );

  const outcome = await Promise.race([
    stopSignal.then((signal) => ({ signal })),
    running.failure.catch((failure: unknown) => ({ failure })),
  ]);
  if ("signal" in outcome) log.info("stop signal received; stopping", { signal: outcome.signal });
  else log.error("the embedded NATS server stopped; stopping the services", {});
  const report = await running.stop();
  if ("failure" in outcome) throw outcome.failure;
  if (report.failures.length > 0) {
    reportUncleanStop(log, report);
    return 1;
  }
  writeQuietly(process.stdout, "pytarchive stopped.\n");
  return 0;
}

/**
 * Says loudly, in the log and on stderr, which services did not stop cleanly: each error names
 * what was left (the ltfs service's names every drive and mount point still holding a tape) and
 * what to do before the host is switched off.
 */
function reportUncleanStop(log: Logger, report: StopReport): void {
  for (const { service, error } of report.failures) {
    log.error("pytarchive stopped, but NOT cleanly", { stoppedService: service, error });
    const text =
      error instanceof PytarchiveError
        ? `error [${error.code}]: ${error.describe()}`
        : `${service} did not stop cleanly: ${messageOf(error)}`;
    writeQuietly(process.stderr, `${text}\n`);
  }
  writeQuietly(process.stderr, "pytarchive stopped, but not cleanly (see above).\n");
}

/** Signals that stop pytarchive: systemd's and kill's, a terminal's Ctrl-C, a closed terminal. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

/**
 * Resolves with the first stop signal. Later ones are only logged: one Ctrl-C on `npm start`
 * arrives twice (from the terminal and from npm), and a stop must always end the same way,
 * with every tape unmounted and nats-server stopped. `kill -9` still ends it at once.
 */
function stopSignalOnce(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    let received: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received === null) {
        received = signal;
        resolve(signal);
        return;
      }
      writeQuietly(
        process.stderr,
        `${signal} again: still stopping (unmounting tapes, then nats-server); please wait.\n`,
      );
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  });
}

/**
 * Writes to stdout/stderr without failing when the reader is gone: with `npm start | tee`, one
 * Ctrl-C ends tee too, and a write error must not cut the stop short (nats-server, tapes).
 */
function writeQuietly(stream: NodeJS.WriteStream, text: string): void {
  try {
    stream.write(text);
  } catch {
    // The reader is gone; nobody is left to read it.
  }
}

for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", () => {
    // EPIPE after the reader of a pipe (tee) ended: keep stopping cleanly.
  });
}

function portOrThrow(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PytarchiveError(
      "NATS_PORT_INVALID",
      `"${text}" is not a TCP port for the embedded NATS server.`,
      { hint: `Give a number from 1 to 65535 (--nats-port or ${NATS_PORT_ENV}), e.g. 14222.` },
    );
  }
  return port;
}

function processLayoutOrThrow(text: string | undefined): ProcessLayout | undefined {
  if (text === undefined) return undefined;
  const layout = text.trim().toLowerCase();
  if (isProcessLayout(layout)) return layout;
  throw new PytarchiveError(
    "CLI_USAGE",
    `--processes ${text}: expected one of ${PROCESS_LAYOUTS.join(", ")}.`,
    {
      hint: "split (the default) keeps the data path apart from the gateway and the catalog; each runs one process a service; one runs everything in the launcher.",
    },
  );
}

function describeRunning(
  running: RunningPytarchive,
  stateDir: string,
  libraryId: string,
  logFile: string | null,
): string {
  const nats = running.embeddedNats
    ? `${running.natsUrl} (embedded ${running.embeddedNats.version}, store in ${stateDir}/nats)`
    : redactUrl(running.natsUrl);
  const lines = [
    `pytarchive is running (library "${libraryId}", state folder ${stateDir}).`,
    `  NATS:      ${nats}`,
    `  Services:  ${running.services.map((service) => service.name).join(", ")}`,
    `  Processes: ${describeProcesses(running)}`,
    `  Tapes:     ${running.simulatedLibrary ? `SIMULATED library in ${running.simulatedLibrary} (loop images, not an archive)` : "the configured changer"}`,
    `  Log:       ${logFile ?? "standard error only"}`,
  ];
  if (running.clientFile) {
    lines.push(`  The pytarchive CLI on this machine finds it through ${running.clientFile}.`);
  }
  lines.push("Stop it with Ctrl-C (or SIGTERM).", "");
  return lines.join("\n");
}

function describeProcesses(running: RunningPytarchive): string {
  const processes = running.processes();
  if (processes.length === 0)
    return `${running.layout}: all services in this process (${process.pid})`;
  return `${running.layout}: ${processes.map((child) => `${child.group} (pid ${child.pid})`).join(", ")}`;
}

runMain(() => main(process.argv.slice(2)), USAGE);
