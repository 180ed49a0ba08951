import { spawn } from "node:child_process";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectToGateway } from "../../../cli/client/gateway-client.ts";
import { createCommands } from "../../../cli/commands/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { writeEmbeddedClientSettings } from "../../../shared/nats/embedded-client.ts";
import { findFreePort, startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { uniqueLibraryId } from "../nats/support.ts";
import {
  runInProcess,
  type StubGateway,
  startStubGateway,
  useConfigFile,
  writeTestConfig,
} from "./support.ts";

const START_HINT =
  "Start pytarchive with `npm start` in the pytarchive folder, or with `systemctl start pytarchive` where it is installed as a service.";

let server: TestNatsServer;
let nc: NatsConnection;
let gateway: StubGateway;
let libraryId: string;
const folders: string[] = [];
let restoreEnv: (() => void) | null = null;

beforeAll(async () => {
  server = await startNatsServer({
    jetstream: false,
    configText: [
      "authorization {",
      "  users = [",
      '    { user: "operator", password: "op-secret" }',
      '    { user: "gateway", password: "gw-secret" }',
      "  ]",
      "}",
      "",
    ].join("\n"),
  });
  libraryId = uniqueLibraryId();
  nc = await connect({ servers: server.url, user: "gateway", pass: "gw-secret" });
  gateway = await startStubGateway(nc, libraryId);
});

afterEach(() => {
  restoreEnv?.();
  restoreEnv = null;
  gateway.reset();
});

afterAll(async () => {
  await gateway?.stop();
  await nc?.drain();
  await server?.dispose();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A configuration in a new folder (also the state folder); credentials for the operator. */
function useConfig(nats: readonly string[]): string {
  const { file, folder } = writeTestConfig([]);
  folders.push(folder);
  const credentials = join(folder, "operator.cred");
  writeFileSync(credentials, "user = operator\npassword = op-secret\n");
  chmodSync(credentials, 0o600);
  writeFileSync(
    file,
    [
      "[Paths]",
      `state_dir = ${folder}`,
      "[NATS]",
      ...nats.map((line) => line.replace("$CREDENTIALS", credentials)),
      "",
    ].join("\n"),
  );
  restoreEnv = useConfigFile(file);
  return folder;
}

function useConfiguredServer(): void {
  useConfig([
    `url = ${server.url}`,
    "credentials_file = $CREDENTIALS",
    `library_id = ${libraryId}`,
  ]);
}

describe("errors from the gateway", () => {
  it("prints the gateway's message and hint, exit 1, nothing on stdout", async () => {
    useConfiguredServer();
    gateway.answer(
      "archive",
      () =>
        new PytarchiveError("FOLDER_NOT_PREPARED", "Folder /data/alpha is not prepared yet.", {
          hint: "Run `pytarchive prepare /data/alpha DESCRIPTION` first.",
        }),
    );
    const result = await runInProcess(["archive", "/data/alpha", "AAK788L9"]);
    expect(result).toEqual({
      exitCode: 1,
      stdout: "",
      stderr:
        "error: Folder /data/alpha is not prepared yet.\nhint: Run `pytarchive prepare /data/alpha DESCRIPTION` first.\n",
    });
  });

  it("prints an unknown task id as the gateway words it", async () => {
    useConfiguredServer();
    gateway.answer(
      "abort",
      () =>
        new PytarchiveError("UNKNOWN_JOB", "There is no task 3fa2b1c0.", {
          hint: "`pytarchive queue` lists the task ids.",
        }),
    );
    const result = await runInProcess(["abort", "3fa2b1c0"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      "error: There is no task 3fa2b1c0.\nhint: `pytarchive queue` lists the task ids.\n",
    );
  });

  it("shows an internal failure of the gateway without its internals", async () => {
    useConfiguredServer();
    gateway.answer("summary", () => new Error('relation "tapes" does not exist'));
    const result = await runInProcess(["summary"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      "error: The service failed unexpectedly; its log has the details.\n",
    );
  });

  it("refuses a reply that does not fit the contract, naming the field", async () => {
    useConfiguredServer();
    gateway.answer("queue", () => ({ running: [], queued: [], failed: "none" }));
    const result = await runInProcess(["queue"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: Invalid queue reply message: failed: /);
    expect(result.stderr).toContain("hint: The sender and receiver disagree on this message");
  });
});

describe("when pytarchive cannot be reached", () => {
  it("says the NATS server cannot be reached and how to start pytarchive", async () => {
    const port = await findFreePort();
    const folder = useConfig([`url = nats://127.0.0.1:${port}`, `library_id = ${libraryId}`]);
    const result = await runInProcess(["queue"]);
    expect(result).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: `error: pytarchive is not running (or not reachable from here): the NATS server at nats://127.0.0.1:${port} cannot be reached (connection refused).\nhint: ${START_HINT} If pytarchive runs at another address, set \`[NATS] url\` in ${join(folder, "pytarchive.conf")} (or $PYTARCHIVE_NATS_URL).\n`,
    });
  });

  it("says no gateway answers when NATS runs but nothing serves the library", async () => {
    useConfig([`url = ${server.url}`, "credentials_file = $CREDENTIALS", "library_id = other"]);
    const result = await runInProcess(["queue"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `error: pytarchive is not running: the NATS server at ${server.url} answers, but no pytarchive gateway serves library 'other' there.\nhint: ${START_HINT} If the other services run, start the gateway alone with \`npx tsx services/runner/main.ts --only gateway\`, and check that \`[NATS] library_id\` is the same for the CLI and the services.\n`,
    );
  });

  it("gives up after the reply timeout and says a task may have been queued", async () => {
    useConfiguredServer();
    gateway.ignore("archive");
    const started = Date.now();
    const result = await runInProcess(["archive", "/data/alpha", "AAK788L9"], {
      commands: createCommands(() => connectToGateway({ replyTimeoutMs: 400 })),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      "error: The pytarchive gateway did not answer `archive` within 400 ms.\nhint: It may be busy or stuck: look at its log (`journalctl -u pytarchive`, or the terminal running `npm start`). A command that creates a task may have been queued anyway: check `pytarchive queue` before repeating it.\n",
    );
    expect(gateway.received).toHaveLength(1);
  });

  it("says pytarchive is not running when no URL is configured and `npm start` never ran", async () => {
    const folder = useConfig([]);
    const result = await runInProcess(["tapes"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `error: pytarchive is not running on this machine: no NATS URL is configured, and ${join(folder, "client.json")} (written by \`npm start\`) does not exist.\nhint: ${START_HINT} If it was started with another state folder, say the same here: \`export PYTARCHIVE_STATE_DIR=<that folder>\`, or set \`[Paths] state_dir\` in ${join(folder, "pytarchive.conf")}, which pytarchive and the CLI both read. If pytarchive runs on another machine, set \`[NATS] url\` there (or $PYTARCHIVE_NATS_URL).\n`,
    );
  });
});

describe("the client file of `npm start`", () => {
  it("is used when no URL is configured: address, operator credentials and library id", async () => {
    const folder = useConfig([]);
    writeEmbeddedClientSettings(folder, {
      natsUrl: server.url,
      credentialsFile: join(folder, "operator.cred"),
      libraryId,
      launcherPid: process.pid,
      startedAt: new Date().toISOString(),
      simulatedLibrary: null,
    });
    gateway.answer("tapes", () => ({ tapes: [] }));
    const result = await runInProcess(["tapes"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(gateway.received).toEqual([{ verb: "tapes", body: {} }]);
  });

  it("names the stopped `npm start` when its server is gone", async () => {
    const folder = useConfig([]);
    const stoppedPid = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
      child.on("error", reject);
      child.on("exit", () => resolve(child.pid ?? 0));
    });
    const port = await findFreePort();
    writeEmbeddedClientSettings(folder, {
      natsUrl: `nats://127.0.0.1:${port}`,
      credentialsFile: join(folder, "operator.cred"),
      libraryId,
      launcherPid: stoppedPid,
      startedAt: new Date().toISOString(),
      simulatedLibrary: null,
    });
    const result = await runInProcess(["queue"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `error: pytarchive is not running (or not reachable from here): the NATS server at nats://127.0.0.1:${port} cannot be reached (connection refused).\nhint: ${START_HINT} The address comes from ${join(folder, "client.json")}, written by \`npm start\`; that \`npm start\` (process ${stoppedPid}) is no longer running.\n`,
    );
  });
});
