import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSimulatorConfig } from "../../../infra/simulator/sim-cli.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { createLtfsDrive } from "../../../shared/hardware/ltfs/index.ts";
import { isProcessAlive } from "../../../shared/lock-file/index.ts";
import { streamNames, subjects } from "../../../shared/messages/index.ts";
import { readEmbeddedClientSettings } from "../../../shared/nats/embedded-client.ts";
import { connectNats, request } from "../../../shared/nats/index.ts";
import { findFreePort } from "../../helpers/nats-server.ts";

/**
 * Starting every service takes a while on a busy 2-core machine (the catalog creates its PGlite
 * database on the first start); each test that starts a launcher gets this much per start.
 */
const STARTUP_LIMIT_MS = 120_000;
const TEST_LIMIT_MS = 2 * STARTUP_LIMIT_MS + 30_000;
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));
const s = subjects("default");
const encoder = new TextEncoder();

let folder: string;
let stateDir: string;
let configFile: string;
let port: number;
const launched: ChildProcess[] = [];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "pyt-launcher-"));
  stateDir = join(folder, "state");
  configFile = join(folder, "pytarchive.conf");
  port = await findFreePort();
  // No [NATS] url and no changer: the embedded default. The gateway's HTTP API gets a free port.
  writeFileSync(
    configFile,
    `[HTTP]\nport = ${await findFreePort()}\n[Logging]\nfile = ${join(folder, "log", "pytarchive.log")}\n`,
  );
});

afterAll(() => {
  for (const child of launched) if (child.exitCode === null) child.kill("SIGKILL");
  const leftover = natsServerPid();
  if (leftover !== null && isProcessAlive(leftover)) process.kill(leftover, "SIGKILL");
  rmSync(folder, { recursive: true, force: true });
});

interface Launcher {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

/**
 * Runs `services/launcher/main.ts --simulate` as its own process: directly (as the package's
 * start script does), or through `npm start -- --simulate` itself. This machine has no changer,
 * so every start asks for the simulated library.
 */
function startLauncher(
  env: NodeJS.ProcessEnv = {},
  how: "direct" | "npm start" = "direct",
): Launcher {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("PYTARCHIVE_")),
  );
  const [command, args] =
    how === "npm start"
      ? ["npm", ["start", "--silent", "--", "--simulate"]]
      : [process.execPath, ["--import", "tsx", "services/launcher/main.ts", "--simulate"]];
  const child = spawn(command, args, {
    cwd: repositoryRoot,
    env: {
      ...inherited,
      PYTARCHIVE_STATE_DIR: stateDir,
      PYTARCHIVE_CONFIG: configFile,
      PYTARCHIVE_NATS_PORT: String(port),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  launched.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function untilRunning(launcher: Launcher): Promise<void> {
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  while (!launcher.stdout().includes("pytarchive is running")) {
    if (launcher.child.exitCode !== null) {
      throw new Error(`the launcher exited with ${launcher.child.exitCode}:\n${launcher.stderr()}`);
    }
    if (Date.now() > deadline) throw new Error(`the launcher did not start:\n${launcher.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function natsServerPid(): number | null {
  try {
    return Number.parseInt(readFileSync(join(stateDir, "nats", "nats-server.pid"), "utf8"), 10);
  } catch {
    return null;
  }
}

async function connectAs(user: string) {
  return await connectNats({
    url: `nats://127.0.0.1:${port}`,
    credentialsFile: join(stateDir, "credentials", `${user}.cred`),
    name: `test-${user}`,
    reconnect: false,
  });
}

describe("npm start (services/launcher/main.ts)", { timeout: TEST_LIMIT_MS }, () => {
  let first: Launcher;
  let operatorCredentials: string;

  it("starts its own nats-server, the simulated library and the services, and tells the CLI where", async () => {
    first = startLauncher();
    await untilRunning(first);

    const client = readEmbeddedClientSettings(stateDir);
    expect(client).toMatchObject({
      natsUrl: `nats://127.0.0.1:${port}`,
      credentialsFile: join(stateDir, "credentials", "operator.cred"),
      libraryId: "default",
      launcherPid: first.child.pid,
      simulatedLibrary: join(stateDir, "sim"),
    });
    expect(statSync(join(stateDir, "credentials", "operator.cred")).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateDir, "nats", "nats-server.conf")).mode & 0o777).toBe(0o600);
    expect(existsSync(join(stateDir, "sim", "library.json"))).toBe(true);
    expect(first.stdout()).toContain(`NATS:      nats://127.0.0.1:${port} (embedded nats-server`);
    expect(first.stdout()).toContain(
      `Tapes:     SIMULATED library in ${join(stateDir, "sim")} (loop images, not an archive)`,
    );
    operatorCredentials = readFileSync(join(stateDir, "credentials", "operator.cred"), "utf8");
    // Its log: said where, and written there as JSON lines by the launcher and every service.
    const logFile = join(folder, "log", "pytarchive.log");
    expect(first.stdout()).toContain(`Log:       ${logFile}`);
    const logged = readFileSync(logFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { service: string }).service);
    for (const service of ["launcher", "runner", "gateway", "ltfs"])
      expect(logged).toContain(service);

    const operator = await connectAs("operator");
    try {
      const reply = await request(operator, s.command("echo"), { tape: "SIM001L9" });
      expect(reply).toEqual({ tape: "SIM001L9" });
    } finally {
      await operator.close();
    }
  });

  it("has created the library's streams, and keeps what is published in them", async () => {
    const scheduler = await connectAs("scheduler");
    try {
      const jsm = await jetstreamManager(scheduler);
      const names = streamNames("default");
      for (const stream of [names.work, names.changer, names.events, names.deadLetters]) {
        expect((await jsm.streams.info(stream)).config.name).toBe(stream);
      }
      const ack = await jetstream(scheduler).publish(
        s.event("test.marker"),
        encoder.encode('{"kept":"across restarts"}'),
      );
      expect(ack.stream).toBe(names.events);
    } finally {
      await scheduler.close();
    }
  });

  it("refuses a second launcher on the same state folder", async () => {
    const second = startLauncher({ PYTARCHIVE_NATS_PORT: String(await findFreePort()) });

    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain("error [LAUNCHER_ALREADY_RUNNING]: pytarchive already runs");
    expect(second.stderr()).toContain(`(process ${first.child.pid})`);
  });

  it("stops the services, then nats-server, on SIGTERM and exits 0", async () => {
    const serverPid = natsServerPid();
    expect(serverPid !== null && isProcessAlive(serverPid)).toBe(true);

    first.child.kill("SIGTERM");

    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain("pytarchive stopped.");
    const stops = first
      .stderr()
      .split("\n")
      .filter((line) => /"msg":"(service stopped|nats-server stopped)"/.test(line))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(stops.at(-1)).toBe("nats-server stopped");
    expect(stops.slice(0, -1).every((msg) => msg === "service stopped")).toBe(true);
    expect(isProcessAlive(serverPid ?? 0)).toBe(false);
    expect(existsSync(join(stateDir, "launcher.pid"))).toBe(false);
  });

  it("starts again through `npm start` on the same state folder, with the same passwords and the stored messages", async () => {
    const again = startLauncher({}, "npm start");
    await untilRunning(again);
    try {
      expect(readFileSync(join(stateDir, "credentials", "operator.cred"), "utf8")).toBe(
        operatorCredentials,
      );
      const scheduler = await connectAs("scheduler");
      try {
        const jsm = await jetstreamManager(scheduler);
        const marker = await jsm.streams.getMessage(streamNames("default").events, {
          last_by_subj: s.event("test.marker"),
        });
        expect(marker?.json()).toEqual({ kept: "across restarts" });
      } finally {
        await scheduler.close();
      }
      expect(again.stdout()).toContain(`SIMULATED library in ${join(stateDir, "sim")}`);
      expect(again.stderr()).toContain("using a SIMULATED tape library");
    } finally {
      // npm passes the signal on to the launcher, waits for it, then ends itself by the signal.
      const serverPid = natsServerPid();
      again.child.kill("SIGTERM");
      await again.exited;
      expect(again.stdout()).toContain("pytarchive stopped.");
      expect(isProcessAlive(serverPid ?? 0)).toBe(false);
    }
  });

  it("takes its nats-server along when it is killed (kill -9): gone within seconds", async () => {
    const killed = startLauncher();
    await untilRunning(killed);
    const server = natsServerPid();
    expect(server !== null && isProcessAlive(server)).toBe(true);
    killed.child.kill("SIGKILL");
    await killed.exited;
    // The kernel's parent-death signal (setpriv --pdeathsig) stops it; no watchdog polls.
    const deadline = Date.now() + 5_000;
    while (isProcessAlive(server ?? 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(isProcessAlive(server ?? 0)).toBe(false);
  });

  it("stops a nats-server left running on its state folder (e.g. by an older version) before starting its own", async () => {
    // Such a server, started on the launcher's configuration as a launcher without the
    // parent-death signal did; it writes its pid file and holds the port.
    const configPath = join(stateDir, "nats", "nats-server.conf");
    const orphanProcess = spawn("nats-server", ["-c", configPath], {
      stdio: "ignore",
      detached: true,
    });
    const orphan = orphanProcess.pid ?? 0;
    const deadline = Date.now() + 20_000;
    while (natsServerPid() !== orphan && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(natsServerPid()).toBe(orphan);

    const next = startLauncher();
    await untilRunning(next);
    try {
      expect(isProcessAlive(orphan)).toBe(false);
      expect(next.stderr()).toContain(
        "stopping a nats-server left running by an earlier start of pytarchive",
      );
      expect(natsServerPid()).not.toBe(orphan);
    } finally {
      next.child.kill("SIGTERM");
      expect(await next.exited).toBe(0);
    }
  });

  it("stops the services and exits 1, saying why, when its nats-server dies", async () => {
    const launcher = startLauncher();
    await untilRunning(launcher);

    process.kill(natsServerPid() ?? 0, "SIGKILL");

    expect(await launcher.exited).toBe(1);
    expect(launcher.stderr()).toContain(
      "error [NATS_SERVER_STOPPED]: The embedded nats-server stopped on its own (SIGKILL).",
    );
    expect(launcher.stderr()).toContain("start it again with `npm start`");
    expect(launcher.stderr()).toContain('"msg":"all services stopped"');
    expect(existsSync(join(stateDir, "launcher.pid"))).toBe(false);
  });

  it("says how to install nats-server when it is not on PATH, without a stack trace", async () => {
    const missing = startLauncher({ PATH: join(folder, "empty-bin") });

    expect(await missing.exited).toBe(1);
    const stderr = missing.stderr();
    expect(stderr).toContain("error [NATS_SERVER_NOT_INSTALLED]:");
    expect(stderr).toContain("nats-server is not installed (it is not on PATH)");
    expect(stderr).toContain("Install it: apt-get install nats-server");
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(missing.stdout()).toBe("");
  });

  it("exits 1, naming the drive and mount point, when a tape could not be unmounted at the stop", async () => {
    const launcher = startLauncher();
    await untilRunning(launcher);
    // A tape mounted in drive 0 of the simulated library, its mount point kept busy.
    const sim = parseConfig(formatSimulatorConfig(join(stateDir, "sim")), "sim.conf", {});
    const driveConfig = sim.device.drives[0];
    if (driveConfig === undefined) throw new Error("the simulated library has no drive");
    const mtx = (...args: string[]) =>
      runCommand(sim.tools.mtx, ["-f", sim.device.library, ...args]);
    expectExit(await mtx("load", "1", String(driveConfig.element)));
    const drive = createLtfsDrive({
      tools: sim.tools,
      device: driveConfig.device,
      mountPoint: driveConfig.mountPoint,
      mountTable: "/proc/mounts",
    });
    await drive.format({ volumeSerial: "SIM001" });
    mkdirSync(driveConfig.mountPoint, { recursive: true });
    await drive.mount({ readOnly: true });
    const holder = spawn("sleep", ["120"], { cwd: driveConfig.mountPoint, stdio: "ignore" });
    const serverPid = natsServerPid();
    try {
      launcher.child.kill("SIGTERM");

      expect(await launcher.exited).toBe(1);
      const stderr = launcher.stderr();
      expect(stderr).toContain(
        `error [TAPE_LEFT_MOUNTED]: pytarchive stopped, but the tape in drive ${driveConfig.element} at ${driveConfig.mountPoint} could not be unmounted`,
      );
      expect(stderr).toContain(`umount ${driveConfig.mountPoint}`);
      expect(stderr).toContain(
        `"msg":"stopping: the tape in drive ${driveConfig.element} could NOT be unmounted and may still be mounted at ${driveConfig.mountPoint}`,
      );
      expect(stderr).toContain('"level":"error"');
      expect(launcher.stdout()).not.toContain("pytarchive stopped.");
      // Everything else stopped all the same.
      expect(serverPid !== null && !isProcessAlive(serverPid)).toBe(true);
      expect(existsSync(join(stateDir, "launcher.pid"))).toBe(false);
    } finally {
      holder.kill("SIGKILL");
      await new Promise((resolve) => holder.once("exit", resolve));
      if (await drive.isMounted()) await drive.unmount();
      await mtx("unload", "1", String(driveConfig.element));
      rmSync(join(stateDir, "ltfs", "unmounted-at-stop"), { recursive: true, force: true });
    }
  });
});
