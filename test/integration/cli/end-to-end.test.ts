import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { createGatewayService } from "../../../services/gateway/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import { loadConfig } from "../../../shared/config/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { uniqueLibraryId } from "../nats/support.ts";
import { runInProcess, useConfigFile, writeTestConfig } from "./support.ts";

/*
 * One round trip through the real services: CLI → gateway → catalog (PGlite in a temporary
 * state folder) and back. The stub-gateway tests pin every verb; this one checks that the CLI and
 * the real gateway agree on the contract.
 */

let server: TestNatsServer;
let running: RunningServices;
let folder: string;
let restoreEnv: () => void;

beforeAll(async () => {
  server = await startNatsServer();
  const config = writeTestConfig([]);
  folder = config.folder;
  const stateDir = join(folder, "state");
  mkdirSync(stateDir);
  writeFileSync(
    config.file,
    [
      "[Paths]",
      `state_dir = ${stateDir}`,
      "[NATS]",
      `url = ${server.url}`,
      `library_id = ${uniqueLibraryId()}`,
      "",
    ].join("\n"),
  );
  running = await runServices({
    services: [createCatalogService(), createGatewayService({ httpPort: null })],
    config: loadConfig({ path: config.file, env: {} }),
    handleSignals: false,
    logStream: { write: () => true },
  });
  restoreEnv = useConfigFile(config.file);
}, 120_000);

afterAll(async () => {
  restoreEnv?.();
  await running?.stop();
  await server?.dispose();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe("pytarchive against the real gateway and catalog", () => {
  it("queues a prepare, lists it, aborts it, and refuses a folder that does not exist", async () => {
    const project = join(folder, "projects", "alpha");
    mkdirSync(project, { recursive: true });

    const prepared = await runInProcess(["prepare", project, "Alpha final data"]);
    expect(prepared.stderr).toBe("");
    expect(prepared.exitCode).toBe(0);
    const match = /^Preparing folder: (.+) - Alpha final data\nqueued as ([0-9a-f]{8})\n$/.exec(
      prepared.stdout,
    );
    expect(match?.[1]).toBe(project);
    const jobId = match?.[2] as string;

    const queue = await runInProcess(["queue"]);
    expect(queue.exitCode).toBe(0);
    expect(queue.stdout).toContain(
      `Queue state: 1 task (0 failed, 0 running, 1 queued)\n\nQueued:\n[${jobId}] 0 - Preparing folder: ${project}`,
    );

    const aborted = await runInProcess(["abort", jobId]);
    expect(aborted).toEqual({
      exitCode: 0,
      stdout: `Task ${jobId} removed from the queue.\n`,
      stderr: "",
    });
    // The aborted task left the queue; its outcome is still shown for a while.
    const after = JSON.parse((await runInProcess(["queue", "--json"])).stdout);
    expect(after).toMatchObject({ running: [], queued: [], failed: [] });
    expect(after.recent).toMatchObject([{ id: jobId, state: "aborted" }]);

    const missing = await runInProcess(["prepare", join(folder, "nowhere"), "Nothing"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toMatch(
      new RegExp(`^error: The folder ${join(folder, "nowhere")} does not exist\\.\\nhint: `),
    );
  });
});
