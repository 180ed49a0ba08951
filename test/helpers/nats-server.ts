/**
 * Starts a private nats-server for a test: its own free ports, its own store folder, optionally a
 * config file, and ways to stop, crash and restart it on the same port and store (so durable
 * streams and consumers can be checked across a restart).
 *
 * @example
 * const server = await startNatsServer();
 * const nc = await connect({ servers: server.url });
 * await server.restart();
 * await server.dispose(); // stops it and deletes its store
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NatsServerOptions {
  /** The nats-server binary. Default: PYTARCHIVE_TEST_NATS_SERVER, else `nats-server` on PATH. */
  readonly binary?: string;
  /** A config file passed with `-c` (users, permissions…). Command-line ports and store win over it. */
  readonly configFile?: string;
  /** Config text written to `<storeDir>/../nats-server.conf` and used like `configFile`. */
  readonly configText?: string;
  /** Enable JetStream (`-js`). Default true. */
  readonly jetstream?: boolean;
  /** Store folder for JetStream. Default: a new temporary folder, removed by dispose(). */
  readonly storeDir?: string;
  /** How long to wait for /healthz after a start. Default 15 s. */
  readonly readyTimeoutMs?: number;
  /** Client port, e.g. the one a cluster's generated configuration names. Default: a free one. */
  readonly port?: number;
}

export interface TestNatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  /** The config file in use, if any. */
  readonly configFile: string | undefined;
  /** The process id of the running server, or null while stopped. */
  readonly pid: number | null;
  /** Stops the server gracefully (SIGTERM, then SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash or power loss would. */
  kill(): Promise<void>;
  /** Starts it again on the same ports with the same store; waits until it is ready. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Stops the server and deletes the folders this helper created. */
  dispose(): Promise<void>;
  /** The server's last log lines (stderr), for failure messages. */
  logs(): string;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** If a test run dies without teardown, do not leave servers behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

/** A TCP port that was free a moment ago (the kernel picks it). */
export async function findFreePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port found"))));
    });
  });
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<TestNatsServer> {
  installExitHook();
  const binary = options.binary ?? process.env.PYTARCHIVE_TEST_NATS_SERVER ?? "nats-server";
  const ownFolder = mkdtempSync(join(tmpdir(), "pyt-nats-test-"));
  const storeDir = options.storeDir ?? join(ownFolder, "store");
  let configFile = options.configFile;
  if (options.configText !== undefined) {
    configFile = join(ownFolder, "nats-server.conf");
    writeFileSync(configFile, options.configText);
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const logLines: string[] = [];
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const argsFor = (port: number, monitorPort: number): string[] => [
    ...(configFile ? ["-c", configFile] : []),
    "-a",
    "127.0.0.1",
    "-p",
    String(port),
    "-m",
    String(monitorPort),
    ...(options.jetstream === false ? [] : ["-js", "-sd", storeDir]),
  ];

  const launch = async (port: number, monitorPort: number): Promise<void> => {
    const process_ = spawn(binary, argsFor(port, monitorPort), {
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = process_;
    running.add(process_);
    let exitInfo: string | null = null;
    exited = new Promise((resolve) => {
      process_.once("exit", (code, signal) => {
        exitInfo = `exited with ${signal ?? `code ${code}`}`;
        running.delete(process_);
        if (child === process_) child = null;
        resolve();
      });
      process_.once("error", (error) => {
        exitInfo = `could not start: ${error.message}`;
        running.delete(process_);
        if (child === process_) child = null;
        resolve();
      });
    });
    process_.stderr?.setEncoding("utf8");
    process_.stderr?.on("data", (chunk: string) => {
      logLines.push(...chunk.split("\n").filter((line) => line !== ""));
      if (logLines.length > 200) logLines.splice(0, logLines.length - 200);
    });
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exitInfo !== null) {
        throw new Error(`nats-server ${exitInfo}:\n${logLines.slice(-20).join("\n")}`);
      }
      if (await isHealthy(monitorPort)) return;
      await sleep(50);
    }
    process_.kill("SIGKILL");
    await exited;
    throw new Error(
      `nats-server did not become ready within ${readyTimeoutMs} ms:\n${logLines.slice(-20).join("\n")}`,
    );
  };

  // The free port can be taken between probing and binding; try fresh ports a few times.
  let port = 0;
  let monitorPort = 0;
  for (let attempt = 1; ; attempt++) {
    port = options.port ?? (await findFreePort());
    monitorPort = await findFreePort();
    try {
      await launch(port, monitorPort);
      break;
    } catch (error) {
      // A given port is not the helper's to change: only fresh ports are worth another try.
      if (attempt >= 3 || options.port !== undefined) {
        rmSync(ownFolder, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child as ChildProcess | null;
    if (current === null) return;
    current.kill(signal);
    const timer = setTimeout(() => current.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const server: TestNatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    storeDir,
    configFile,
    get pid() {
      return (child as ChildProcess | null)?.pid ?? null;
    },
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL"),
    start: async () => {
      if (child !== null) return;
      await launch(port, monitorPort);
    },
    restart: async () => {
      await server.stop();
      await server.start();
    },
    dispose: async () => {
      await server.stop();
      rmSync(ownFolder, { recursive: true, force: true });
    },
    logs: () => logLines.join("\n"),
  };
  return server;
}

/** /healthz answers 200 once the server accepts clients (and, with -js, JetStream is ready). */
async function isHealthy(monitorPort: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, {
      signal: AbortSignal.timeout(1_000),
    });
    await response.text();
    return response.ok;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
