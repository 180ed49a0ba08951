import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchPytarchive, type RunningPytarchive } from "../../../services/launcher/launch.ts";
import { superviseProcess } from "../../../services/launcher/supervised-process.ts";
import { type PytarchiveConfig, parseConfig } from "../../../shared/config/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { isProcessAlive } from "../../../shared/lock-file/index.ts";
import { createLogger, type LogStream } from "../../../shared/logging/index.ts";
import { findFreePort } from "../../helpers/nats-server.ts";
import { SCRIPTED_DIR_ENV, SERVICE_REGISTRY } from "./scripted-registry.ts";

/*
 * `[Services] processes = each` with the launcher's real pieces (its nats-server, its NATS users,
 * forked service processes) and scripted services (scripted-registry.ts) that note their starts
 * and stops, so that what the supervision does can be seen: a killed process started again after
 * a pause that doubles, health saying so meanwhile, the stop in reverse order with each process's
 * report, and a start that fails stopping what was started and saying the service's error.
 */

const REGISTRY = new URL("./scripted-registry.ts", import.meta.url).href;
const BACKOFF = { initialMs: 1_500, maxMs: 3_000, stableMs: 60_000 };

let folder: string;
let scriptDir: string;
const lines: string[] = [];
const logStream: LogStream = { write: (line: string) => lines.push(line) };
const log = createLogger({ service: "launcher", stream: logStream });

/** Log lines as objects. */
function logged(): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `events` as [what, service, pid] rows. */
function events(): [string, string, number][] {
  const file = join(scriptDir, "events");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((row) => {
      const [what, name, pid] = row.split(" ");
      return [what ?? "", name ?? "", Number(pid)];
    });
}

async function configIn(state: string): Promise<PytarchiveConfig> {
  // The scripted services need no changer; the launcher only checks that the device exists.
  const changer = join(folder, "changer");
  writeFileSync(changer, "");
  return parseConfig(
    `[Paths]\nstate_dir = ${state}\n[Device]\nlibrary = ${changer}\n[HTTP]\nport = ${await findFreePort()}\n`,
    join(folder, "pytarchive.conf"),
    {},
  );
}

async function launch(state: string): Promise<RunningPytarchive> {
  return await launchPytarchive({
    config: await configIn(state),
    services: SERVICE_REGISTRY,
    only: ["catalog", "notifier", "ltfs"],
    processes: "each",
    registry: REGISTRY,
    backoff: BACKOFF,
    natsPort: await findFreePort(),
    log,
    logStream,
  });
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "pyt-service-processes-"));
  scriptDir = join(folder, "script");
  rmSync(scriptDir, { recursive: true, force: true });
  mkdirSync(scriptDir);
  process.env[SCRIPTED_DIR_ENV] = scriptDir;
});

afterAll(() => {
  delete process.env[SCRIPTED_DIR_ENV];
  rmSync(folder, { recursive: true, force: true });
});

describe("the launcher with one process a service", { timeout: 60_000 }, () => {
  let running: RunningPytarchive;

  beforeAll(async () => {
    running = await launch(join(folder, "state"));
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
  }, 60_000);

  it("runs each service in a process of its own, as its own NATS user, logging with its group", async () => {
    const processes = running.processes();
    expect(processes.map(({ group, state }) => [group, state])).toEqual([
      ["catalog", "running"],
      ["notifier", "running"],
      ["ltfs", "running"],
    ]);
    const pids = processes.map(({ pid }) => pid);
    expect(new Set(pids).size).toBe(3);
    expect(pids).not.toContain(process.pid);
    expect(events()).toEqual([
      ["start", "catalog", pids[0]],
      ["start", "notifier", pids[1]],
      ["start", "ltfs", pids[2]],
    ]);
    expect(running.services).toEqual([
      { name: "catalog", user: "catalog" },
      { name: "notifier", user: "notifier" },
      { name: "ltfs", user: "ltfs" },
    ]);
    expect(await running.health()).toEqual({
      catalog: { ok: true, detail: `catalog in ${pids[0]}` },
      notifier: { ok: true, detail: `notifier in ${pids[1]}` },
      ltfs: { ok: true, detail: `ltfs in ${pids[2]}` },
    });
    // The processes' own lines reach the launcher's log, each naming its process group.
    expect(logged()).toContainEqual(
      expect.objectContaining({ service: "runner", group: "ltfs", msg: "services running" }),
    );
  });

  it("starts a killed process again after a pause that doubles, and health says so meanwhile", async () => {
    const pidOf = () => running.processes().find(({ group }) => group === "notifier")?.pid;
    const exits = () =>
      logged().filter(
        (line) =>
          line.group === "notifier" &&
          line.msg === "service process exited unexpectedly; starting it again after a pause",
      );
    const first = pidOf() as number;
    process.kill(first, "SIGKILL");
    await expect.poll(() => exits().length, { timeout: 5_000 }).toBe(1);
    expect(exits()[0]).toMatchObject({
      level: "error",
      pid: first,
      signal: "SIGKILL",
      exitCode: null,
      restartInMs: 1_500,
      services: ["notifier"],
    });
    const health = await running.health();
    expect(health.notifier).toMatchObject({ ok: false });
    expect(health.notifier?.detail).toMatch(
      /^its process "notifier" ended \(signal SIGKILL\) and starts again in [12] s \(restart 1\)$/,
    );
    expect(health.catalog?.ok).toBe(true);
    await expect.poll(() => running.processes()[1]?.state, { timeout: 20_000 }).toBe("running");
    const second = pidOf() as number;
    expect(second).not.toBe(first);
    expect((await running.health()).notifier).toEqual({
      ok: true,
      detail: `notifier in ${second}`,
    });

    // Dead again soon after its start: the pause doubles (up to its maximum).
    process.kill(second, "SIGKILL");
    await expect.poll(() => exits().length, { timeout: 5_000 }).toBe(2);
    expect(exits()[1]).toMatchObject({ pid: second, restartInMs: 3_000 });
    await expect.poll(() => running.processes()[1]?.state, { timeout: 20_000 }).toBe("running");
    expect(running.processes()[1]?.restarts).toBe(2);
    expect(events().filter(([what, name]) => what === "start" && name === "notifier")).toHaveLength(
      3,
    );
    expect(logged()).toContainEqual(
      expect.objectContaining({
        level: "warn",
        group: "notifier",
        restarts: 2,
        msg: "service process started again; its services take up their work",
      }),
    );
  });

  it("kills a process that does not stop in time, and says so", async () => {
    const config = await configIn(join(folder, "state"));
    const hung = superviseProcess({
      group: { name: "hung", services: ["notifier"] },
      config: { ...config, nats: { ...config.nats, url: running.natsUrl } },
      logLevel: "info",
      log,
      logStream,
      stopTimeoutMs: 2_000,
      registry: REGISTRY,
    });
    await hung.start();
    const pid = hung.status().pid as number;
    writeFileSync(join(scriptDir, "hang-stop-notifier"), "");
    try {
      const report = await hung.stop();
      expect(report.failures).toHaveLength(1);
      const error = report.failures[0]?.error as PytarchiveError;
      expect(error).toBeInstanceOf(PytarchiveError);
      expect(error.code).toBe("SERVICE_PROCESS_HUNG");
      expect(error.message).toBe(
        'The service process "hung" (notifier) did not stop within 2 s and was killed.',
      );
      expect(isProcessAlive(pid)).toBe(false);
    } finally {
      unlinkSync(join(scriptDir, "hang-stop-notifier"));
    }
  });

  it("stops the processes in reverse start order and passes on each one's stop report", async () => {
    const pids = running.processes().map(({ pid }) => pid as number);
    writeFileSync(join(scriptDir, "fail-stop-ltfs"), "");
    const report = await running.stop();
    expect(events().slice(-3)).toEqual([
      ["stop", "ltfs", pids[2]],
      ["stop", "notifier", pids[1]],
      ["stop", "catalog", pids[0]],
    ]);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]?.service).toBe("ltfs");
    const error = report.failures[0]?.error as PytarchiveError;
    expect(error).toBeInstanceOf(PytarchiveError);
    expect([error.code, error.message, error.hint]).toEqual([
      "TAPE_LEFT_MOUNTED",
      "Drive 0 still has tape SIM001L9 mounted at /srv/ltfs0.",
      "Unmount it by hand before switching the host off.",
    ]);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
    expect(running.processes().map(({ state }) => state)).toEqual([
      "stopped",
      "stopped",
      "stopped",
    ]);
    unlinkSync(join(scriptDir, "fail-stop-ltfs"));
  });
});

describe("a service process that cannot start", { timeout: 60_000 }, () => {
  it("fails the launch with the service's error, after stopping the processes already started", async () => {
    writeFileSync(join(scriptDir, "events"), "");
    writeFileSync(join(scriptDir, "fail-start-notifier"), "");
    try {
      const failed = await launch(join(folder, "state-failed")).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(PytarchiveError);
      expect(failed).toMatchObject({
        code: "CONFIG_INVALID",
        message: "notifier was told to fail its start.",
        hint: "Remove fail-start-notifier.",
      });
      const catalogPid = events()[0]?.[2] as number;
      expect(events()).toEqual([
        ["start", "catalog", catalogPid],
        ["stop", "catalog", catalogPid],
      ]);
      expect(isProcessAlive(catalogPid)).toBe(false);
    } finally {
      unlinkSync(join(scriptDir, "fail-start-notifier"));
    }
  });

  it("says which process ended in the middle of its start, and how", async () => {
    writeFileSync(join(scriptDir, "events"), "");
    writeFileSync(join(scriptDir, "crash-start-ltfs"), "");
    try {
      const failed = await launch(join(folder, "state-crashed")).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(PytarchiveError);
      expect((failed as PytarchiveError).code).toBe("SERVICE_PROCESS_EXITED");
      expect((failed as PytarchiveError).message).toMatch(
        /^The service process "ltfs" \(ltfs\) ended while starting \(exit status 3\)/,
      );
      // The two started before it were stopped, the last first.
      expect(events().map(([what, name]) => `${what} ${name}`)).toEqual([
        "start catalog",
        "start notifier",
        "stop notifier",
        "stop catalog",
      ]);
    } finally {
      unlinkSync(join(scriptDir, "crash-start-ltfs"));
    }
  });
});
