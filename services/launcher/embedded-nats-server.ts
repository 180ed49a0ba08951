import { type ChildProcess, spawn } from "node:child_process";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeDuration } from "../../shared/format/index.ts";
import type { Logger } from "../../shared/logging/index.ts";

export interface EmbeddedNatsServerOptions {
  /** The nats-server command (checked with natsServerVersionOrThrow first). */
  readonly binary: string;
  /** The configuration written by writeNatsServerConfig (listen address, store, users). */
  readonly configFile: string;
  readonly log: Logger;
  /** How long it may take to print "Server is ready". Default 20 s. */
  readonly readyTimeoutMs?: number;
  /** How long stop() waits after SIGINT before SIGKILL. Default NATS_SERVER_STOP_TIMEOUT_MS. */
  readonly stopTimeoutMs?: number;
}

/** How long a stop waits for nats-server to exit after SIGINT before it kills it. */
export const NATS_SERVER_STOP_TIMEOUT_MS = 15_000;

export interface NatsServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface EmbeddedNatsServer {
  readonly pid: number;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<NatsServerExit>;
  /** Its last lines of output (at most 50), for error messages. */
  recentLines(): readonly string[];
  /** SIGINT, which makes nats-server shut JetStream down and exit 0; SIGKILL after the timeout. */
  stop(): Promise<NatsServerExit>;
}

const READY_LINE = "Server is ready";
/** util-linux's setpriv, which starts nats-server with a parent-death signal. */
const SETPRIV = "setpriv";
const KEPT_LINES = 50;

/**
 * Starts `nats-server -c <configFile>` and resolves once it accepts clients (it prints
 * "Server is ready" after JetStream has started). Its output goes to the log: warnings and
 * errors as such, the rest at debug level.
 *
 * nats-server is a long-lived child that we signal and watch, not a command that finishes, so it
 * is spawned here (argument array, no shell) rather than through the exec helper, whose
 * commands have a time limit and keep all their output. It runs in its own process group: a
 * terminal's Ctrl-C reaches only the launcher, which stops the services before the server. It
 * gets SIGTERM from the kernel when the launcher dies (setpriv --pdeathsig).
 *
 * @example
 * const server = await startEmbeddedNatsServer({ binary: "nats-server", configFile, log });
 * // … later
 * await server.stop();
 */
export async function startEmbeddedNatsServer(
  options: EmbeddedNatsServerOptions,
): Promise<EmbeddedNatsServer> {
  const { log } = options;
  const lines: string[] = [];
  let ready = false;
  let announceReady: () => void = () => {};
  const readyLine = new Promise<void>((resolve) => {
    announceReady = resolve;
  });
  // setpriv sets the parent-death signal and then becomes nats-server (same pid): the kernel
  // sends nats-server SIGTERM the moment the launcher dies, however it dies (kill -9 too), so it
  // never outlives the launcher. No watchdog process or polling is needed.
  const child: ChildProcess = spawn(
    SETPRIV,
    ["--pdeathsig", "SIGTERM", "--", options.binary, "-c", options.configFile],
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  // "close", not "exit": only then has all it printed been read, so a failure quotes its last
  // lines (a port already in use was otherwise sometimes reported as "printed nothing").
  const exited = new Promise<NatsServerExit>((resolve, reject) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
    child.once("error", (error) => reject(error));
  });
  // A spawn error (binary gone since the version check) surfaces through `exited` below.
  exited.catch(() => {});

  let partial = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      if (line.trim() === "") continue;
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      forwardLine(line, log);
      if (!ready && line.includes(READY_LINE)) {
        ready = true;
        announceReady();
      }
    }
  });

  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    readyLine.then(() => "ready" as const),
    exited.then(
      (exit) => exit,
      (error: Error) => error,
    ),
    new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), readyTimeoutMs);
    }),
  ]);
  clearTimeout(timer);

  const stop = async (): Promise<NatsServerExit> => {
    // SIGINT and SIGTERM both shut down cleanly; after SIGINT the exit status is 0, not 1.
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    const killTimer = setTimeout(
      () => child.kill("SIGKILL"),
      options.stopTimeoutMs ?? NATS_SERVER_STOP_TIMEOUT_MS,
    );
    try {
      return await exited;
    } finally {
      clearTimeout(killTimer);
    }
  };

  if (outcome === "ready") {
    return { pid: child.pid ?? 0, exited, recentLines: () => [...lines], stop };
  }
  if (outcome === "timeout") {
    await stop();
    throw new PytarchiveError(
      "NATS_SERVER_START_TIMEOUT",
      `nats-server did not become ready within ${describeDuration(readyTimeoutMs)}.${quoteLines(lines)}`,
      { hint: `Check its configuration: nats-server -c ${options.configFile} -t` },
    );
  }
  // Every spawn error names setpriv (it execs nats-server, whose failure is an exit status):
  // only ENOENT means it is missing; EACCES and the like mean it is there but cannot run.
  if (outcome instanceof Error && (outcome as NodeJS.ErrnoException).code === "ENOENT") {
    throw new PytarchiveError(
      "SETPRIV_NOT_INSTALLED",
      `nats-server could not be started: ${SETPRIV} (util-linux), which ties it to pytarchive's life, is missing: ${outcome.message}.`,
      { hint: "Install it: apt-get install util-linux (as root).", cause: outcome },
    );
  }
  if (outcome instanceof Error) {
    throw new PytarchiveError(
      "NATS_SERVER_NOT_STARTED",
      `nats-server could not be started: ${SETPRIV} (util-linux) could not be run: ${outcome.message}.`,
      {
        hint: `Check that the ${SETPRIV} found on PATH is an executable program, or reinstall it: apt-get install --reinstall util-linux (as root).`,
        cause: outcome,
      },
    );
  }
  throw startFailure(outcome, lines, options.configFile);
}

function startFailure(
  exit: NatsServerExit,
  lines: readonly string[],
  configFile: string,
): PytarchiveError {
  const how = exit.signal ? `was ended by ${exit.signal}` : `exited with status ${exit.code}`;
  const text = lines.join("\n");
  const inUse = /address already in use/i.exec(text);
  if (inUse) {
    return new PytarchiveError(
      "NATS_PORT_IN_USE",
      `nats-server ${how}: its port is taken by another program.${quoteLines(lines)}`,
      {
        hint: "Another pytarchive (or NATS server) may be running: stop it, or choose another port with PYTARCHIVE_NATS_PORT (or --nats-port).",
      },
    );
  }
  return new PytarchiveError("NATS_SERVER_FAILED", `nats-server ${how}.${quoteLines(lines)}`, {
    hint: `Check its configuration (nats-server -c ${configFile} -t) and that the state folder is writable.`,
  });
}

function quoteLines(lines: readonly string[]): string {
  const last = lines.slice(-8);
  return last.length === 0 ? " It printed nothing." : ` Its last lines:\n  ${last.join("\n  ")}`;
}

/** nats-server lines look like `[1234] 2026/11/26 04:13:57.111109 [WRN] text`. */
function forwardLine(line: string, log: Logger): void {
  const match = /\[(INF|DBG|TRC|WRN|ERR|FTL)\]\s?(.*)$/.exec(line);
  const level = match?.[1];
  const text = match?.[2] ?? line;
  // Expected: the generated configuration holds plain passwords in a 0600 file (see README).
  if (text.startsWith("Plaintext passwords detected")) {
    log.debug(text);
  } else if (level === "WRN") {
    log.warn(text);
  } else if (level === "ERR" || level === "FTL") {
    log.error(text);
  } else {
    log.debug(text);
  }
}
