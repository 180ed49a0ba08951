import { type ChildProcess, fork } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger, LogLevel, LogStream } from "../../shared/logging/index.ts";
import type { NatsUser, ServiceHealth } from "../../shared/nats/index.ts";
import type { ServiceStopFailure, StopReport } from "../runner/run-services.ts";
import type { ProcessGroup } from "./process-groups.ts";
import { type BackoffOptions, DEFAULT_BACKOFF, nextBackoffMs } from "./restart-backoff.ts";
import {
  errorFromData,
  type FromServiceProcess,
  type ToServiceProcess,
} from "./service-process-protocol.ts";

/** The child's entry: a module of its own, so that it loads only what a service process needs. */
const SERVICE_PROCESS_ENTRY = fileURLToPath(new URL("./service-process.ts", import.meta.url));

/** How many of a process's last output lines an error about its exit quotes. */
const OUTPUT_TAIL_LINES = 20;
/** How long a health question waits for a service process. */
const HEALTH_TIMEOUT_MS = 5_000;
/** How long a process that sent its stop report may take to exit. */
const EXIT_AFTER_REPORT_MS = 10_000;

export interface SupervisedProcessOptions {
  readonly group: ProcessGroup;
  /** The launcher's configuration (tape library chosen, the embedded NATS server's URL in it). */
  readonly config: PytarchiveConfig;
  readonly logLevel: LogLevel;
  /** The launcher's log: starts, exits and restarts of the process. */
  readonly log: Logger;
  /** Where the process's own log lines are written: the launcher's log sink. */
  readonly logStream: LogStream;
  /** How long its stop may take (all its services') before it is killed. */
  readonly stopTimeoutMs: number;
  readonly backoff?: BackoffOptions;
  /** Module whose SERVICE_REGISTRY the process runs its services from; default the runner's. */
  readonly registry?: string;
}

/** What a service process is doing, as health and tests see it. */
export interface ProcessStatus {
  readonly group: string;
  readonly state: "starting" | "running" | "restarting" | "stopping" | "stopped";
  readonly pid: number | null;
  /** How many times it was started again after it died. */
  readonly restarts: number;
}

export interface SupervisedProcess {
  readonly group: ProcessGroup;
  /**
   * Forks the process now, to wait for its start: Node and the modules load meanwhile, beside
   * the processes started before it (a start in order then costs one load, not one each).
   */
  prepare(): void;
  /** Starts it the first time; throws its services' start error (its code, message and hint). */
  start(): Promise<{ readonly name: string; readonly user: NatsUser }[]>;
  status(): ProcessStatus;
  /** Its services' health; a process that is not running makes each of them not ok, saying why. */
  health(): Promise<Record<string, ServiceHealth>>;
  /** Stops it (no restart after that) and reports what did not stop cleanly. Idempotent. */
  stop(): Promise<StopReport>;
}

interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One forked service process and what it said. */
interface Child {
  readonly process: ChildProcess;
  readonly startedAt: number;
  /** Its last lines on stdout and stderr (its log lines come over the channel). */
  readonly output: string[];
  readonly exited: Promise<ProcessExit>;
  /** Resolves with its services once they run; rejects with its start error or its exit. */
  readonly started: Promise<{ name: string; user: NatsUser }[]>;
  /** Resolves with its stop report, or null when it exited without one. */
  readonly stopped: Promise<StopReport | null>;
  /** Sends it the "start" message: it runs its services and says "started" or "start-failed". */
  begin(): void;
  send(message: ToServiceProcess): void;
  health(): Promise<Record<string, ServiceHealth>>;
}

/**
 * Runs one process group's services in a child process and keeps it running: a process that
 * exits unexpectedly is logged (exit code or signal, its last output) and started again after a
 * backoff (restart-backoff.ts); its services' work resumes as after any crash (JetStream hands
 * unacknowledged steps out again, the ltfs service starts with whatever tape a killed process
 * left mounted). The child runs in its own process group, so a Ctrl-C reaches only the launcher,
 * which stops the processes in order.
 *
 * @example
 * const data = superviseProcess({ group: { name: "data-path", services: ["ltfs"] }, config, logLevel: "info", log, logStream: sink.stream, stopTimeoutMs });
 * await data.start();
 * // … on SIGTERM
 * const report = await data.stop();
 */
export function superviseProcess(options: SupervisedProcessOptions): SupervisedProcess {
  const { group } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const log = options.log.child({ group: group.name });
  let state: ProcessStatus["state"] = "starting";
  let current: Child | null = null;
  /** Forked by prepare(), not yet told to start. */
  let prepared: Child | null = null;
  let restarts = 0;
  let lastDelayMs: number | null = null;
  let restartTimer: NodeJS.Timeout | undefined;
  let nextStartAt: number | null = null;
  let lastExit = "";
  let stopRequested = false;
  let restarting: Promise<void> | null = null;
  let stopping: Promise<StopReport> | null = null;

  const launch = async (): Promise<{ name: string; user: NatsUser }[]> => {
    const child = prepared ?? forkServiceProcess(options);
    prepared = null;
    current = child;
    log.info("service process forked", { pid: child.process.pid, services: group.services });
    void child.exited.then((exit) => onExit(child, exit));
    child.begin();
    const started = await child.started;
    log.info("service process started", { pid: child.process.pid, services: group.services });
    return started;
  };

  const scheduleRestart = (ranForMs: number): number => {
    const delayMs = nextBackoffMs(lastDelayMs, ranForMs, backoff);
    lastDelayMs = delayMs;
    state = "restarting";
    nextStartAt = Date.now() + delayMs;
    restartTimer = setTimeout(() => {
      restarting = restart();
    }, delayMs);
    return delayMs;
  };

  const restart = async (): Promise<void> => {
    state = "starting";
    nextStartAt = null;
    restarts += 1;
    try {
      await launch();
      if (stopRequested) return;
      state = "running";
      log.warn("service process started again; its services take up their work", {
        restarts,
        pid: current?.process.pid,
      });
    } catch (error) {
      if (stopRequested) return;
      const delayMs = scheduleRestart(0);
      log.error("service process could not start again; trying later", {
        error,
        restartInMs: delayMs,
        output: current?.output.slice(-OUTPUT_TAIL_LINES),
      });
    }
  };

  const onExit = (child: Child, exit: ProcessExit): void => {
    lastExit = exit.signal === null ? `exit status ${exit.code}` : `signal ${exit.signal}`;
    // Exits while starting are the start's to report; while stopping, the stop's.
    if (child !== current || state !== "running" || stopRequested) return;
    const ranForMs = Date.now() - child.startedAt;
    const delayMs = scheduleRestart(ranForMs);
    log.error("service process exited unexpectedly; starting it again after a pause", {
      pid: child.process.pid,
      services: group.services,
      exitCode: exit.code,
      signal: exit.signal,
      ranForMs,
      restartInMs: delayMs,
      output: child.output.slice(-OUTPUT_TAIL_LINES),
    });
  };

  const stop = async (): Promise<StopReport> => {
    stopRequested = true;
    clearTimeout(restartTimer);
    if (prepared !== null) {
      // Never told to start: it runs no service, so there is nothing to stop cleanly.
      const idle = prepared;
      prepared = null;
      idle.process.kill("SIGKILL");
      await idle.exited;
    }
    await restarting;
    state = "stopping";
    const child = current;
    if (child === null || child.process.exitCode !== null || child.process.signalCode !== null) {
      state = "stopped";
      return { failures: [] };
    }
    child.send({ type: "stop" });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), options.stopTimeoutMs);
    });
    const outcome = await Promise.race([child.stopped, timedOut]);
    clearTimeout(timer);
    const failures: ServiceStopFailure[] = [];
    if (outcome === "timeout") {
      child.process.kill("SIGKILL");
      failures.push({
        service: group.services.join("+"),
        error: new PytarchiveError(
          "SERVICE_PROCESS_HUNG",
          `The service process "${group.name}" (${group.services.join(", ")}) did not stop within ${Math.round(options.stopTimeoutMs / 1000)} s and was killed.`,
          {
            hint: "Check with `grep ltfs /proc/mounts` that no tape is left mounted before switching the host off, and look at the log for what it was doing.",
          },
        ),
      });
    } else if (outcome === null) {
      failures.push({
        service: group.services.join("+"),
        error: exitedError(group, lastExit, child.output, "while stopping"),
      });
    } else {
      failures.push(...outcome.failures);
    }
    await waitForExit(child);
    state = "stopped";
    log.info("service process stopped", { failures: failures.length });
    return { failures };
  };

  return {
    group,
    prepare() {
      if (prepared === null && current === null && !stopRequested) {
        prepared = forkServiceProcess(options);
      }
    },
    async start() {
      try {
        const started = await launch();
        state = "running";
        return started;
      } catch (error) {
        state = "stopped";
        if (current !== null) await waitForExit(current);
        throw error;
      }
    },
    status: () => ({
      group: group.name,
      state,
      pid: state === "running" || state === "stopping" ? (current?.process.pid ?? null) : null,
      restarts,
    }),
    async health() {
      if (state === "running" && current !== null) return await current.health();
      const detail =
        state === "restarting"
          ? `its process "${group.name}" ended (${lastExit}) and starts again in ${Math.max(0, Math.round(((nextStartAt ?? Date.now()) - Date.now()) / 1000))} s (restart ${restarts + 1})`
          : state === "starting"
            ? `its process "${group.name}" is starting${restarts > 0 ? ` again (restart ${restarts})` : ""}`
            : `its process "${group.name}" is ${state}`;
      return Object.fromEntries(group.services.map((name) => [name, { ok: false, detail }]));
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** Waits for a process that is ending to exit; kills it if it does not. */
async function waitForExit(child: Child): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), EXIT_AFTER_REPORT_MS);
  });
  if ((await Promise.race([child.exited, late])) === "late") {
    child.process.kill("SIGKILL");
    await child.exited;
  }
  clearTimeout(timer);
}

function exitedError(
  group: ProcessGroup,
  exit: string,
  output: readonly string[],
  when: string,
): PytarchiveError {
  const tail = output.slice(-8);
  return new PytarchiveError(
    "SERVICE_PROCESS_EXITED",
    `The service process "${group.name}" (${group.services.join(", ")}) ended ${when} (${exit})${tail.length > 0 ? `. Its last lines:\n  ${tail.join("\n  ")}` : "."}`,
    {
      hint: "Look at the log for its last lines; when it ended while stopping, check with `grep ltfs /proc/mounts` that no tape is left mounted.",
    },
  );
}

/** The launcher's own loader (tsx) for the child, which is TypeScript too. */
function childExecArgv(): string[] {
  if (process.execArgv.some((arg) => arg.includes("tsx"))) return [...process.execArgv];
  return [...process.execArgv, "--import", import.meta.resolve("tsx")];
}

function forkServiceProcess(options: SupervisedProcessOptions): Child {
  const { group } = options;
  const child = fork(SERVICE_PROCESS_ENTRY, [], {
    execArgv: childExecArgv(),
    // Its own process group: a terminal's Ctrl-C reaches the launcher only, which stops in order.
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    serialization: "advanced",
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on("line", (line) => {
      output.push(line);
      if (output.length > OUTPUT_TAIL_LINES) output.shift();
      options.log.warn("service process output", { group: group.name, line });
    });
  }
  let resolveStarted: (services: { name: string; user: NatsUser }[]) => void = () => {};
  let rejectStarted: (error: Error) => void = () => {};
  const started = new Promise<{ name: string; user: NatsUser }[]>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  // A caller that never starts waiting (a restart that is stopped) must not see an unhandled rejection.
  started.catch(() => {});
  let resolveStopped: (report: StopReport | null) => void = () => {};
  const stopped = new Promise<StopReport | null>((resolve) => {
    resolveStopped = resolve;
  });
  const pendingHealth = new Map<number, (report: Record<string, ServiceHealth>) => void>();
  let nextHealthId = 1;
  let exit: ProcessExit | null = null;

  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      const description = signal === null ? `exit status ${code}` : `signal ${signal}`;
      // Its output pipes may still hold its last lines: let them arrive before they are quoted.
      setImmediate(() => {
        rejectStarted(exitedError(group, description, output, "while starting"));
        resolveStopped(null);
        for (const answer of pendingHealth.values()) answer({});
        pendingHealth.clear();
        resolve({ code, signal });
      });
    });
  });
  child.on("error", (error) => {
    options.log.error("service process error", { group: group.name, error });
  });
  child.on("message", (message: FromServiceProcess) => {
    switch (message.type) {
      case "log":
        options.logStream.write(message.line);
        break;
      case "started":
        resolveStarted([...message.services]);
        break;
      case "start-failed":
        rejectStarted(errorFromData(message.error));
        break;
      case "health":
        pendingHealth.get(message.id)?.(message.report);
        pendingHealth.delete(message.id);
        break;
      case "stopped":
        resolveStopped({
          failures: message.failures.map(({ service, error }) => ({
            service,
            error: errorFromData(error),
          })),
        });
        break;
    }
  });
  const send = (message: ToServiceProcess): void => {
    if (exit !== null || !child.connected) return;
    child.send(message, (error) => {
      if (error)
        options.log.warn("could not reach the service process", { group: group.name, error });
    });
  };
  return {
    process: child,
    startedAt: Date.now(),
    output,
    exited,
    started,
    stopped,
    begin() {
      send({
        type: "start",
        group: group.name,
        config: options.config,
        services: group.services,
        logLevel: options.logLevel,
        ...(options.registry === undefined ? {} : { registry: options.registry }),
      });
    },
    send,
    health() {
      if (exit !== null) return Promise.resolve({});
      const id = nextHealthId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pendingHealth.delete(id);
          resolve(
            Object.fromEntries(
              group.services.map((name) => [
                name,
                { ok: false, detail: `its process "${group.name}" does not answer` },
              ]),
            ),
          );
        }, HEALTH_TIMEOUT_MS);
        pendingHealth.set(id, (report) => {
          clearTimeout(timer);
          resolve(report);
        });
        send({ type: "health", id });
      });
    },
  };
}
