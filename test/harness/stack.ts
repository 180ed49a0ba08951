import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand } from "../../shared/exec/index.ts";

/** The repository's root, where `bin/` and `services/` are. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A TCP port nobody listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A pytarchive stack started as `npm start` starts it, in a child process. */
export interface RunningStack {
  readonly process: ChildProcess;
  /** What it printed, stdout and stderr, line by line. */
  readonly output: string[];
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `services/launcher/main.ts` (what `npm start` runs) with `configFile`, and resolves once
 * it printed that pytarchive is running. `simulate` asks for the simulated tape library
 * (`--simulate`; pytarchive never simulates on its own). `only` runs some services (`--only`),
 * for tests that run the others in another process.
 */
export async function startStack(options: {
  readonly configFile: string;
  readonly natsPort: number;
  readonly simulate: boolean;
  readonly only?: readonly string[];
  /** `--processes`: how the services run in processes; default the configuration's. */
  readonly processes?: "one" | "split" | "each";
  readonly env?: NodeJS.ProcessEnv;
  readonly onLine?: (line: string) => void;
  readonly timeoutMs?: number;
}): Promise<RunningStack> {
  const args = [
    "--import",
    "tsx",
    path.join(REPO_ROOT, "services/launcher/main.ts"),
    "--config",
    options.configFile,
    "--nats-port",
    String(options.natsPort),
    ...(options.simulate ? ["--simulate"] : []),
    ...(options.only === undefined ? [] : ["--only", options.only.join(",")]),
    ...(options.processes === undefined ? [] : ["--processes", options.processes]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  let ready = false;
  const readiness = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `pytarchive did not start within ${options.timeoutMs ?? 90_000} ms:\n${output.slice(-30).join("\n")}`,
          ),
        ),
      options.timeoutMs ?? 90_000,
    );
    const onText = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line === "") continue;
        output.push(line);
        options.onLine?.(line);
        if (!ready && line.includes("pytarchive is running")) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout?.on("data", onText);
    child.stderr?.on("data", onText);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!ready)
        reject(
          new Error(
            `pytarchive exited with ${code} while starting:\n${output.slice(-30).join("\n")}`,
          ),
        );
    });
  });
  await readiness;
  return {
    process: child,
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** The `pytarchive` CLI, run as a user runs it, with `env` (e.g. PYTARCHIVE_CONFIG). */
export function createCli(env: NodeJS.ProcessEnv) {
  const run = (args: readonly string[]) =>
    runCommand(process.execPath, [path.join(REPO_ROOT, "bin/pytarchive.mjs"), ...args], {
      env,
      cwd: REPO_ROOT,
      timeoutMs: 60_000,
    });
  return {
    run,
    /** Runs a verb with `--json` and parses the reply; throws with the CLI's words when it fails. */
    async json<T>(args: readonly string[]): Promise<T> {
      const result = await run([...args, "--json"]);
      if (result.exitCode !== 0) {
        throw new Error(
          `pytarchive ${args.join(" ")} exited ${result.exitCode}: ${result.stderr.trim()}`,
        );
      }
      return JSON.parse(result.stdout) as T;
    },
  };
}

export type Cli = ReturnType<typeof createCli>;

interface QueueLine {
  id: string;
  kind: string;
  state?: string;
  progress: string | null;
  error: string | null;
}

/** How a job ended, as `pytarchive queue` shows it. */
export type JobEnd = { state: "done" } | { state: "failed"; error: string } | { state: "aborted" };

/**
 * Waits until job `jobId` left the queue: done or aborted (listed among the recent outcomes, or
 * no longer listed at all) or failed (listed with its error). Reports each new progress text.
 * `cli` may be anything that answers `queue` as the CLI's `--json` does (the bench times them).
 */
export async function waitForJob(
  cli: Pick<Cli, "json">,
  jobId: string,
  options: { timeoutMs?: number; onProgress?: (text: string) => void; pollMs?: number } = {},
): Promise<JobEnd> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let lastProgress: string | null = null;
  for (;;) {
    const queue = await cli.json<{
      running: QueueLine[];
      queued: QueueLine[];
      failed: QueueLine[];
      recent?: QueueLine[];
    }>(["queue"]);
    const failed = queue.failed.find((job) => job.id === jobId);
    if (failed !== undefined) return { state: "failed", error: failed.error ?? "(no error text)" };
    const ended = (queue.recent ?? []).find((job) => job.id === jobId);
    if (ended?.state === "aborted") return { state: "aborted" };
    const pending = [...queue.running, ...queue.queued].find((job) => job.id === jobId);
    if (pending === undefined) return { state: "done" };
    if (pending.progress !== null && pending.progress !== lastProgress) {
      lastProgress = pending.progress;
      options.onProgress?.(pending.progress);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `job ${jobId} still ${pending.progress ?? "queued"} after ${options.timeoutMs ?? 300_000} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
