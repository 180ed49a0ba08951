import { rmSync } from "node:fs";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort, startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { QUEUE_REPLY } from "../../unit/cli/sample-replies.ts";
import { uniqueLibraryId } from "../nats/support.ts";
import { runSpawned, type StubGateway, startStubGateway, writeTestConfig } from "./support.ts";

/*
 * The CLI as an operator runs it: `node bin/pytarchive.mjs`, configuration named by
 * $PYTARCHIVE_CONFIG. Starting tsx takes seconds on a busy machine, hence the long timeouts.
 */

let server: TestNatsServer;
let nc: NatsConnection;
let gateway: StubGateway;
let libraryId: string;
const folders: string[] = [];

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  libraryId = uniqueLibraryId();
  nc = await connect({ servers: server.url });
  gateway = await startStubGateway(nc, libraryId);
});

afterAll(async () => {
  await gateway?.stop();
  await nc?.drain();
  await server?.dispose();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function configFor(url: string): string {
  const { file, folder } = writeTestConfig([
    "[Paths]",
    "state_dir = /nonexistent/pytarchive-state",
    "[NATS]",
    `url = ${url}`,
    `library_id = ${libraryId}`,
  ]);
  folders.push(folder);
  return file;
}

const ENV_CLEARED = { PYTARCHIVE_NATS_URL: "", PYTARCHIVE_LIBRARY_ID: "" };

describe("node bin/pytarchive.mjs", () => {
  it("asks the gateway named by the configuration and prints the queue, exit 0", async () => {
    gateway.answer("queue", () => QUEUE_REPLY);
    const result = await runSpawned(["queue"], {
      ...ENV_CLEARED,
      PYTARCHIVE_CONFIG: configFor(server.url),
    });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      "Failed tasks:\n[a1b2c3d4] 100 - Restoring folder: /data/projects/old to /scratch/old\n",
    );
    expect(gateway.received).toEqual([{ verb: "queue", body: {} }]);
  }, 90_000);

  it("refuses a relative path with exit 2 and says why, and an unreachable server with exit 1", async () => {
    const port = await findFreePort();
    const unreachableConfig = configFor(`nats://127.0.0.1:${port}`);
    const [relative, unreachable] = await Promise.all([
      runSpawned(["archive", "projects/alpha", "AAK788L9"], {
        ...ENV_CLEARED,
        PYTARCHIVE_CONFIG: configFor(server.url),
      }),
      runSpawned(["summary"], { ...ENV_CLEARED, PYTARCHIVE_CONFIG: unreachableConfig }),
    ]);
    expect(relative.exitCode).toBe(2);
    expect(relative.stderr).toMatch(
      /^error: FOLDER must be a full path starting with \/, e\.g\. \/full\/path\/to\/folder; 'projects\/alpha' is a relative path\.\nhint: Give the full path \(from .+ that would be .+\/projects\/alpha\)\.\n$/,
    );
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^error: pytarchive is not running \(or not reachable from here\): the NATS server at nats:\/\/127\.0\.0\.1:\d+ cannot be reached \(connection refused\)\.\nhint: Start pytarchive with `npm start`/,
    );
    expect(unreachable.stderr).not.toContain("    at ");
    expect(gateway.received.filter((request) => request.verb !== "queue")).toEqual([]);
  }, 90_000);
});
