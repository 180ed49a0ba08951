import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import { readEmbeddedClientSettings } from "../../shared/nats/embedded-client.ts";
import {
  type Cli,
  createCli,
  freePort,
  type JobEnd,
  REPO_ROOT,
  type RunningStack,
  startStack,
  waitForJob,
} from "../harness/stack.ts";
import { runAsAdmin, TEST_POSTGRES_URL } from "../helpers/databases.ts";

/*
 * The whole of pytarchive as a user runs it: `npm start -- --simulate`'s launcher in a child
 * process (its own NATS server, a fresh simulated library), the catalog on a new PostgreSQL database (so a test
 * can read what the catalog recorded), and the `pytarchive` CLI.
 */

export interface E2eStack {
  readonly home: string;
  readonly state: string;
  readonly simulator: string;
  readonly configFile: string;
  readonly cli: Cli;
  /** The running launcher (a new one after `restart`). */
  readonly stack: RunningStack;
  readonly db: pg.Client;
  /** Stops pytarchive as SIGTERM does and starts it again on the same state and database. */
  restart(): Promise<void>;
  /** Queues a job through the CLI (`--json`) and waits for its end. */
  run(args: readonly string[], timeoutMs?: number): Promise<JobEnd & { jobId: string }>;
  close(): Promise<void>;
}

export interface E2eStackOptions {
  readonly extraConfig?: string[];
  /** Services the launcher runs (`--only`); the others run elsewhere (startServiceProcess). */
  readonly only?: readonly string[];
  /** How the launcher runs the services in processes (`--processes`); default its configuration's. */
  readonly processes?: "one" | "split" | "each";
}

export async function startE2eStack(options: E2eStackOptions = {}): Promise<E2eStack> {
  const home = await mkdtemp(path.join(tmpdir(), "pyt-e2e-"));
  const state = path.join(home, "state");
  await mkdir(state, { recursive: true });
  const database = await createE2eDatabase();
  const dbUrl = new URL(database.url);
  const configFile = path.join(home, "pytarchive.conf");
  await writeFile(
    configFile,
    [
      ...(await hostConfigLines(state, dbUrl.toString())),
      // A step of a killed pytarchive is taken up again after 10 s instead of 30 s: the fault
      // and stop tests kill it dozens of times.
      "[NATS]",
      "ack_wait = 10",
      ...(options.extraConfig ?? []),
      "",
    ].join("\n"),
  );
  const env = { PYTARCHIVE_CONFIG: configFile };
  const natsPort = await freePort();
  const launch = () =>
    startStack({
      configFile,
      natsPort,
      // No changer here: the tests ask for the simulated library, as a user would.
      simulate: true,
      env,
      ...(options.only === undefined ? {} : { only: options.only }),
      ...(options.processes === undefined ? {} : { processes: options.processes }),
    });
  let stack = await launch();
  const cli = createCli(env);
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  await db.connect();
  return {
    home,
    state,
    simulator: path.join(state, "sim"),
    configFile,
    cli,
    get stack() {
      return stack;
    },
    db,
    async restart() {
      await stack.stop();
      stack = await launch();
    },
    async run(args, timeoutMs = 240_000) {
      const queued = await cli.json<{ jobId: string }>(args);
      const end = await waitForJob(cli, queued.jobId, { timeoutMs });
      return { ...end, jobId: queued.jobId };
    },
    async close() {
      await stack.stop();
      // A test that failed mid-job may leave a tape mounted: unmount it, or the folder stays busy.
      for (const mountPoint of await mountsBelow(path.join(state, "sim", "mnt"))) {
        await runCommand("umount", [mountPoint]);
      }
      await db.end();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A new PostgreSQL database for one e2e test file (`url`), and how to drop it afterwards. */
export async function createE2eDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `pyt_e2e_${randomBytes(5).toString("hex")}`;
  await runAsAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => runAsAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * The configuration lines of one pytarchive host in a test: scratch and state below `state`,
 * tapes of at most 1 GiB, the catalog at `databaseUrl`, the HTTP API on a free port, the log
 * in the state folder. `.cache` folders are excluded, as the sample trees have one.
 */
export async function hostConfigLines(state: string, databaseUrl: string): Promise<string[]> {
  return [
    "[General]",
    "exclude_folders = .cache",
    `scratch_path = ${path.join(state, "scratch")}`,
    "tape_max_size = 1048576",
    "[Paths]",
    `state_dir = ${state}`,
    "[Database]",
    `url = ${databaseUrl}`,
    "[HTTP]",
    `port = ${await freePort()}`,
    "[Logging]",
    `file = ${path.join(state, "pytarchive.log")}`,
  ];
}

/**
 * Mounts the LTFS image of a tape that sits in its slot (not loaded) with a loop device, runs
 * `work` on the mounted folder, and unmounts: how a test looks at (or tampers with) the tape
 * behind pytarchive's back, as someone with the cartridge in another LTFS host would.
 */
export async function withTapeImage<T>(
  simulator: string,
  barcode: string,
  mode: "ro" | "rw",
  work: (mounted: string) => Promise<T>,
): Promise<T> {
  const image = path.join(simulator, "tapes", barcode, "medium.img");
  const mountPoint = await mkdtemp(path.join(tmpdir(), `pyt-tape-${barcode}-`));
  await expectExit(await runCommand("mount", ["-o", `loop,${mode}`, image, mountPoint]));
  try {
    return await work(mountPoint);
  } finally {
    await expectExit(await runCommand("umount", [mountPoint]));
    await rm(mountPoint, { recursive: true, force: true });
  }
}

/** `pytarchive-sim VERB --state SIMULATOR ARGS…`, the simulated library's own CLI; its stdout. */
export async function simulatorCli(
  simulator: string,
  verb: string,
  args: readonly string[] = [],
): Promise<string> {
  const result = await runCommand(
    process.execPath,
    [path.join(REPO_ROOT, "bin/pytarchive-sim.mjs"), verb, "--state", simulator, ...args],
    { cwd: REPO_ROOT, timeoutMs: 60_000 },
  );
  return expectExit(result).stdout;
}

/** The drives' mount points, as `pytarchive-sim env` configures them. */
export async function simulatedMountPoints(simulator: string): Promise<string[]> {
  const env = await simulatorCli(simulator, "env");
  return [...env.matchAll(/^mount_point = (.+)$/gm)].map((match) => match[1] as string);
}

/** Services run by `services/runner/main.ts` in a child process of their own. */
export interface ServiceProcess {
  readonly process: ChildProcess;
  /** What it printed, stdout and stderr, line by line. */
  readonly output: string[];
  /** SIGKILL, as a crash: nothing is stopped cleanly. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a clean stop), then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `services` of `e2e`'s pytarchive in a process of their own, as a separate host would
 * run them: `services/runner/main.ts --only …` with a configuration of the stack's own lines,
 * `[NATS] url` of the launcher's server with the credentials of NATS user `user`, and the
 * simulated library's lines (`pytarchive-sim env`). Resolves once they run.
 */
export async function startServiceProcess(
  e2e: E2eStack,
  services: readonly string[],
  user: string,
): Promise<ServiceProcess> {
  const client = readEmbeddedClientSettings(e2e.state);
  if (client === null) throw new Error(`no client.json in ${e2e.state}: the launcher is not up`);
  const configFile = path.join(e2e.home, `${services.join("+")}.conf`);
  await writeFile(
    configFile,
    [
      // The launcher's own file already has a [NATS] section: the service's lines go into it.
      (await readFile(e2e.configFile, "utf8")).replace(
        "[NATS]\n",
        `[NATS]\nurl = ${client.natsUrl}\ncredentials_file = ${path.join(e2e.state, "credentials", `${user}.cred`)}\n`,
      ),
      await simulatorCli(e2e.simulator, "env"),
    ].join("\n"),
  );
  return await spawnServiceProcess(configFile, services);
}

/**
 * Runs `services/runner/main.ts --only SERVICES --config CONFIG_FILE` in a child process, as a
 * supervisor (or another host) would, and resolves once the services run. With `asUsers`, adds
 * `--credentials-dir`: each service with a connection of its own as its own NATS user, with the
 * credentials files in `asUsers.credentialsDir`.
 */
export async function spawnServiceProcess(
  configFile: string,
  services: readonly string[],
  asUsers?: { readonly credentialsDir: string },
): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(REPO_ROOT, "services/runner/main.ts"),
      "--only",
      services.join(","),
      "--config",
      configFile,
      ...(asUsers === undefined ? [] : ["--credentials-dir", asUsers.credentialsDir]),
    ],
    { cwd: REPO_ROOT, env: process.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  // Each service run as its own user says "services running" when it runs; then all of them.
  const readyLine =
    asUsers === undefined ? "services running" : "services running as their own NATS users";
  const output: string[] = [];
  const exited = once(child, "exit");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${services.join(", ")} did not start:\n${output.join("\n")}`)),
      60_000,
    );
    const onText = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line === "") continue;
        output.push(line);
        if (line.includes(readyLine)) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout?.on("data", onText);
    child.stderr?.on("data", onText);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`${services.join(", ")} exited with ${code}:\n${output.join("\n")}`));
    });
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    process: child,
    output,
    async kill() {
      if (gone()) return;
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (gone()) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** What the mount table shows mounted below `folder`. */
export async function mountsBelow(folder: string): Promise<string[]> {
  const table = await readFile("/proc/mounts", "utf8");
  return table
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((mountPoint) => mountPoint.startsWith(`${folder}/`));
}

/** Changes one byte of `file` in place (same size): damage as a failing tape would do it. */
export async function flipByte(file: string, offset: number): Promise<void> {
  const handle = await open(file, "r+");
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

/** The process id of the stack's embedded nats-server, from its pid file. */
export async function natsServerPid(e2e: E2eStack): Promise<number> {
  const text = await readFile(path.join(e2e.state, "nats", "nats-server.pid"), "utf8");
  return Number.parseInt(text.trim(), 10);
}

/** Whether a process with this id still exists (signal 0 only asks). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
