import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runServices } from "../../../services/runner/index.ts";
import { defaultConfig } from "../../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { kvBucketNames, streamNames, subjects } from "../../../shared/messages/index.ts";
import {
  request,
  type ServiceContext,
  type ServiceDefinition,
} from "../../../shared/nats/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { uniqueLibraryId, waitFor } from "./support.ts";

const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));
let server: TestNatsServer;
let folder: string;

beforeAll(async () => {
  server = await startNatsServer();
  folder = mkdtempSync(join(tmpdir(), "pyt-runner-"));
});

afterAll(async () => {
  await server?.dispose();
  rmSync(folder, { recursive: true, force: true });
});

function configFor(libraryId: string, url: string | null = server.url): PytarchiveConfig {
  const config = defaultConfig({ PYTARCHIVE_LIBRARY_ID: libraryId });
  return { ...config, nats: { ...config.nats, url } };
}

/** A service that records what happens to it in `journal`. */
function recordingService(
  name: string,
  journal: string[],
  contexts: ServiceContext[] = [],
): ServiceDefinition {
  return {
    name,
    async start(context) {
      contexts.push(context);
      journal.push(`start ${name}`);
      return {
        health: async () => ({ ok: true, detail: `${name} fine` }),
        stop: async () => {
          journal.push(`stop ${name} (signal aborted: ${context.signal.aborted})`);
        },
      };
    },
  };
}

describe("runServices", () => {
  it("starts the chosen services in registry order and stops them in reverse order", async () => {
    const lib = uniqueLibraryId();
    const journal: string[] = [];
    const contexts: ServiceContext[] = [];
    const registry = ["catalog", "scheduler", "gateway"].map((name) =>
      recordingService(name, journal, contexts),
    );
    const running = await runServices({
      services: registry,
      config: configFor(lib),
      only: ["gateway", "catalog"],
      handleSignals: false,
      logStream: { write: () => true },
    });
    expect(running.names).toEqual(["catalog", "gateway"]);
    expect(await running.health()).toEqual({
      catalog: { ok: true, detail: "catalog fine" },
      gateway: { ok: true, detail: "gateway fine" },
    });
    // The runner ensured the library's streams and lease bucket before starting anything.
    const jsm = await contexts[0]?.js.jetstreamManager();
    expect((await jsm?.streams.info(streamNames(lib).work))?.config.name).toBe(
      streamNames(lib).work,
    );
    expect((await jsm?.streams.info(`KV_${kvBucketNames(lib).leases}`))?.config.name).toBe(
      `KV_${kvBucketNames(lib).leases}`,
    );
    expect(contexts.map((context) => context.config.nats.libraryId)).toEqual([lib, lib]);

    await running.stop();
    await running.stopped;
    expect(journal).toEqual([
      "start catalog",
      "start gateway",
      "stop gateway (signal aborted: true)",
      "stop catalog (signal aborted: true)",
    ]);
    expect(running.nc.isClosed()).toBe(true);
  });

  it("stops every service even when one's stop fails, and reports that one as not stopped cleanly", async () => {
    const journal: string[] = [];
    const failing: ServiceDefinition = {
      name: "ltfs",
      async start() {
        return {
          health: async () => ({ ok: true, detail: "" }),
          stop: async () => {
            journal.push("stop ltfs");
            throw new Error("the tape in drive 0 could not be unmounted");
          },
        };
      },
    };
    const running = await runServices({
      services: [
        recordingService("catalog", journal),
        failing,
        recordingService("gateway", journal),
      ],
      config: configFor(uniqueLibraryId()),
      handleSignals: false,
      logStream: { write: () => true },
    });
    await running.stop();
    const report = await running.stopped;
    expect(journal.slice(-3)).toEqual([
      "stop gateway (signal aborted: true)",
      "stop ltfs",
      "stop catalog (signal aborted: true)",
    ]);
    expect(report.failures.map((failure) => failure.service)).toEqual(["ltfs"]);
    expect(String(report.failures[0]?.error)).toContain("could not be unmounted");
  });

  it("refuses an unknown service name before connecting, listing the known ones", async () => {
    const journal: string[] = [];
    await expect(
      runServices({
        services: [recordingService("gateway", journal)],
        config: configFor(uniqueLibraryId(), "nats://127.0.0.1:1"),
        only: ["gatewya"],
        handleSignals: false,
      }),
    ).rejects.toMatchObject({
      code: "UNKNOWN_SERVICE",
      message: "Unknown service: gatewya.",
      hint: "Known services: gateway.",
    });
    expect(journal).toEqual([]);
  });

  it("stops the services already started when a later one fails to start, and reports that failure", async () => {
    const journal: string[] = [];
    const broken: ServiceDefinition = {
      name: "changer",
      start: async () => {
        throw new Error("no changer device /dev/sch0");
      },
    };
    const lines: Record<string, unknown>[] = [];
    await expect(
      runServices({
        services: [
          recordingService("catalog", journal),
          broken,
          recordingService("gateway", journal),
        ],
        config: configFor(uniqueLibraryId()),
        handleSignals: false,
        logStream: {
          write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
        },
      }),
    ).rejects.toThrow("no changer device /dev/sch0");
    expect(journal).toEqual(["start catalog", "stop catalog (signal aborted: true)"]);
    expect(lines.some((line) => line.msg === "start failed; stopping what was started")).toBe(true);
  });

  it("says how to get a NATS server when none is configured", async () => {
    await expect(
      runServices({
        services: [recordingService("gateway", [])],
        config: configFor(uniqueLibraryId(), null),
        handleSignals: false,
      }),
    ).rejects.toMatchObject({
      code: "NATS_URL_MISSING",
      hint: expect.stringContaining("npm start"),
    });
  });
});

describe("services/runner/main.ts", () => {
  function runMain(
    args: string[],
    libraryId: string,
    configText = "# empty: defaults and environment\n",
  ) {
    const configFile = join(folder, "pytarchive.conf");
    writeFileSync(configFile, configText);
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "services/runner/main.ts", "--config", configFile, ...args],
      {
        cwd: repositoryRoot,
        env: { ...process.env, PYTARCHIVE_NATS_URL: server.url, PYTARCHIVE_LIBRARY_ID: libraryId },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    return { child, exited, stderr: () => stderr };
  }

  it("runs the echo service until SIGTERM, then stops it and exits 0", async () => {
    const lib = uniqueLibraryId();
    const main = runMain(["--only", "echo"], lib);
    await waitFor(
      "the runner to start",
      () => main.stderr().includes('"msg":"services running"'),
      20_000,
    );
    const nc = await connect({ servers: server.url });
    try {
      const reply = await request(
        nc,
        subjects(lib).command("echo"),
        { hello: "tape" },
        { service: "echo" },
      );
      expect(reply).toEqual({ hello: "tape" });

      main.child.kill("SIGTERM");
      expect(await main.exited).toBe(0);
      const messages = main
        .stderr()
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toContain("stop signal received; stopping services");
      expect(messages).toContain("service stopped");
      expect(messages.at(-1)).toBe("all services stopped");
      await expect(
        request(nc, subjects(lib).command("echo"), {}, { service: "echo" }),
      ).rejects.toMatchObject({
        code: "SERVICE_NOT_RUNNING",
      });
    } finally {
      if (main.child.exitCode === null) main.child.kill("SIGKILL");
      await nc.close();
    }
  });

  it("writes its log to the configured file as JSON lines, rotated by size as logging.conf's handler did", async () => {
    const logFile = join(folder, "log", "pytarchive.log");
    const main = runMain(
      ["--only", "echo"],
      uniqueLibraryId(),
      `[Logging]\nfile = ${logFile}\nmax_bytes = 400\nbackup_count = 2\n`,
    );
    try {
      await waitFor(
        "the runner to start",
        () => main.stderr().includes('"msg":"services running"'),
        20_000,
      );
      main.child.kill("SIGTERM");
      expect(await main.exited).toBe(0);
    } finally {
      if (main.child.exitCode === null) main.child.kill("SIGKILL");
    }
    // Oldest first: .2, .1, then the file itself; nothing beyond backup_count is kept.
    const files = [`${logFile}.2`, `${logFile}.1`, logFile];
    expect(existsSync(`${logFile}.3`)).toBe(false);
    const written = files.flatMap((file) => readFileSync(file, "utf8").trim().split("\n"));
    for (const file of files) expect(statSync(file).size).toBeLessThanOrEqual(400);
    const lines = written.map(
      (line) => JSON.parse(line) as { service: string; msg: string; level: string },
    );
    // What stderr showed, the file has, in the same order (the newest lines at least).
    const stderrLines = main.stderr().trim().split("\n");
    expect(written).toEqual(stderrLines.slice(-written.length));
    expect(lines.at(-1)).toMatchObject({ service: "runner", msg: "all services stopped" });
  });

  it("exits 1 with the error and the known services for an unknown --only name", async () => {
    const main = runMain(["--only", "echo,nope"], uniqueLibraryId());
    expect(await main.exited).toBe(1);
    expect(main.stderr()).toBe(
      "error [UNKNOWN_SERVICE]: Unknown service: nope.\nKnown services: echo, catalog, changer, compression, inventory, ltfs, notifier, verification, export, scheduler, gateway.\n",
    );
  });

  it("exits 1 with the usage for an option it does not know", async () => {
    const main = runMain(["--bogus"], uniqueLibraryId());
    expect(await main.exited).toBe(1);
    expect(main.stderr()).toMatch(
      /^error: Unknown option '--bogus'.*\n\nUsage: npx tsx services\/runner\/main.ts /s,
    );
  });
});
