import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../harness/stack.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { QUEUE_REPLY } from "../../unit/cli/sample-replies.ts";
import { uniqueLibraryId } from "../nats/support.ts";
import { runSpawned, type StubGateway, startStubGateway, writeTestConfig } from "./support.ts";

/*
 * The CLI's start without a stopwatch: what `pytarchive queue` loads. Everything it needs is in
 * one standalone bundle compiled from V8's code cache, so no module from node_modules (esbuild,
 * tsx, the NATS client as separate files…) and nothing but Node.js's own modules is loaded.
 */

const RECORDER = fileURLToPath(new URL("./record-loaded-modules.mjs", import.meta.url));
const BUNDLE = path.join(REPO_ROOT, "node_modules/.cache/pytarchive/cli/main.cjs");

let server: TestNatsServer;
let nc: NatsConnection;
let gateway: StubGateway;
let env: NodeJS.ProcessEnv;
const folders: string[] = [];

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  const libraryId = uniqueLibraryId();
  nc = await connect({ servers: server.url });
  gateway = await startStubGateway(nc, libraryId);
  gateway.answer("queue", () => QUEUE_REPLY);
  const { file, folder } = writeTestConfig([
    "[Paths]",
    "state_dir = /nonexistent/pytarchive-state",
    "[NATS]",
    `url = ${server.url}`,
    `library_id = ${libraryId}`,
  ]);
  folders.push(folder);
  env = { PYTARCHIVE_CONFIG: file, PYTARCHIVE_NATS_URL: "", PYTARCHIVE_LIBRARY_ID: "" };
});

afterAll(async () => {
  await gateway?.stop();
  await nc?.drain();
  await server?.dispose();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const isBuiltin = (name: string) =>
  name.startsWith("node:") || builtinModules.includes(name.split("/")[0] as string);

describe("the start of `pytarchive queue`", () => {
  it("loads the CLI's standalone bundle and Node.js's own modules, nothing else", async () => {
    // The first run builds the bundle when a source changed, and leaves V8's code cache.
    expect((await runSpawned(["queue"], env)).exitCode).toBe(0);
    expect(existsSync(`${BUNDLE}.v8-code-cache`)).toBe(true);

    const logFolder = mkdtempSync(path.join(tmpdir(), "pyt-cli-start-"));
    folders.push(logFolder);
    const log = path.join(logFolder, "modules.txt");
    const result = await runSpawned(["queue"], {
      ...env,
      NODE_OPTIONS: `--import ${RECORDER}`,
      PYTARCHIVE_MODULE_LOG: log,
    });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("Failed tasks:\n[a1b2c3d4]");

    const loaded = readFileSync(log, "utf8").trim().split("\n");
    const ours = loaded
      .map((line) => line.slice(4))
      .filter((name) => !isBuiltin(name) && !name.includes("record-loaded-modules"));
    expect(ours.map((name) => path.relative(REPO_ROOT, fileURLToPath(name)))).toEqual([
      "bin/pytarchive.mjs",
      "bin/bundle-cache.mjs",
    ]);
  }, 90_000);
});
