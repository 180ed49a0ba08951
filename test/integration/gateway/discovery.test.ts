import { Svcm } from "@nats-io/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { createGatewayService } from "../../../services/gateway/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import { COMMAND_VERBS } from "../../../shared/messages/commands.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type CommandClient,
  connectCommandClient,
  makeScratch,
  quietLog,
  seedTapes,
  testConfig,
  uniqueLibraryId,
} from "./support.ts";

let server: TestNatsServer;
let database: TestCatalogDatabase;
let services: RunningServices;
let client: CommandClient;
const scratch = makeScratch();
const libraryId = uniqueLibraryId();

beforeAll(async () => {
  server = await startNatsServer();
  database = await pgliteDatabaseFactory.open();
  await seedTapes(database.db, libraryId);
  services = await runServices({
    services: [
      createCatalogService({ database: database.db }),
      createGatewayService({ httpPort: 0 }),
    ],
    config: testConfig({ libraryId, natsUrl: server.url, stateDir: scratch.folder("state") }),
    handleSignals: false,
    logStream: quietLog,
  });
  client = await connectCommandClient(server.url, libraryId);
});

afterAll(async () => {
  await client?.close();
  await services?.stop();
  await database?.close();
  await server?.dispose();
  scratch.remove();
});

describe("the gateway as a NATS micro-service", () => {
  it("shows in $SRV.INFO as pytarchive-gateway with one endpoint per verb", async () => {
    const infos = [];
    for await (const info of await new Svcm(client.nc).client().info("pytarchive-gateway")) {
      infos.push(info);
    }
    expect(infos).toHaveLength(1);
    expect(infos[0]?.metadata).toEqual({ library: libraryId });
    expect(infos[0]?.endpoints.map((endpoint) => [endpoint.name, endpoint.subject])).toEqual(
      COMMAND_VERBS.map((verb) => [verb, `pyt.${libraryId}.cmd.${verb}`]),
    );
  });

  it("counts requests per endpoint in $SRV.STATS", async () => {
    await client.send("queue", {});
    await client.send("queue", {});
    const stats = [];
    for await (const entry of await new Svcm(client.nc).client().stats("pytarchive-gateway")) {
      stats.push(entry);
    }
    const queue = stats[0]?.endpoints?.find((endpoint) => endpoint.name === "queue");
    expect(queue?.num_requests).toBeGreaterThanOrEqual(2);
  });

  it("lists the catalog as pytarchive-catalog with its operations", async () => {
    const infos = [];
    for await (const info of await new Svcm(client.nc).client().info("pytarchive-catalog")) {
      infos.push(info);
    }
    expect(infos[0]?.endpoints.map((endpoint) => endpoint.subject)).toContain(
      `pyt.${libraryId}.catalog.job-create`,
    );
  });
});

describe("the gateway's HTTP API on a real socket", () => {
  it("answers /healthz and /api/queue with the same JSON as the NATS reply", async () => {
    const detail = (await services.health()).gateway?.detail ?? "";
    const url = /HTTP API on (\S+)/.exec(detail)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await client.send("explore", { tape: "AAA001L9" });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    const queue = await fetch(`${url}/api/queue`);
    expect(queue.status).toBe(200);
    expect(await queue.json()).toEqual(await client.send("queue", {}));
  });
});
