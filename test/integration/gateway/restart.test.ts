import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServices } from "../../../services/runner/index.ts";
import { JobCreated, streamNames, subjects } from "../../../shared/messages/index.ts";
import { postgresDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type CommandClient,
  connectCommandClient,
  makeScratch,
  startGatewayAndCatalog,
  testConfig,
  uniqueLibraryId,
} from "./support.ts";

let server: TestNatsServer;
const scratch = makeScratch();

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.dispose();
  scratch.remove();
});

/** Retries `check` until it passes: the services reconnect to a restarted server on their own. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

interface Setup {
  readonly name: string;
  /** Opens the database, or undefined when the catalog opens its own (PGlite in the state folder). */
  open(): Promise<TestCatalogDatabase | undefined>;
}

const setups: Setup[] = [
  { name: "PostgreSQL", open: () => postgresDatabaseFactory.open() },
  { name: "PGlite in the state folder", open: async () => undefined },
];

describe.each(setups)("jobs survive restarts with $name", (setup) => {
  let database: TestCatalogDatabase | undefined;
  let services: RunningServices | undefined;
  let client: CommandClient;
  const libraryId = uniqueLibraryId();
  const stateDir = scratch.folder(libraryId, "state");
  let config: ReturnType<typeof testConfig>;
  const folder = scratch.folder(libraryId, "projects", "alpha");

  beforeAll(async () => {
    config = testConfig({ libraryId, natsUrl: server.url, stateDir });
    database = await setup.open();
    services = await startGatewayAndCatalog(config, database?.db);
    client = await connectCommandClient(server.url, libraryId);
  });

  afterAll(async () => {
    await client?.close();
    await services?.stop();
    await database?.close();
  });

  it("keeps queued jobs across a NATS server restart and a restart of every service", async () => {
    const prepare = await client.send("prepare", { folder, description: "alpha", compress: false });
    const inventory = await client.send("inventory", { folders: [folder] });
    const queuedIds = [prepare.jobId, inventory.jobId];

    // The job was announced on JetStream too.
    const jsm = await jetstreamManager(client.nc);
    const announced = await jsm.streams.getMessage(streamNames(libraryId).events, {
      last_by_subj: subjects(libraryId).event("job.created"),
    });
    expect(JobCreated.decode(announced?.data ?? new Uint8Array()).jobId).toBe(inventory.jobId);

    await server.restart();
    const afterNats = await eventually(() => client.send("queue", {}, { timeoutMs: 1_000 }));
    expect(afterNats.queued.map((job) => job.id)).toEqual(queuedIds);
    // Both ends are back (the queue answered): a new job is accepted as before.
    const third = await client.send("inventory", { folders: [folder], priority: 250 });

    await services?.stop();
    const down = await client.refused("queue", {});
    expect(down.code).toBe("SERVICE_NOT_RUNNING");
    services = await startGatewayAndCatalog(config, database?.db);
    const afterServices = await client.send("queue", {});
    expect(afterServices.queued.map((job) => [job.id, job.description])).toEqual([
      [prepare.jobId, `Preparing folder: ${folder}`],
      [inventory.jobId, `Inventory of ${folder}`],
      [third.jobId, `Inventory of ${folder}`],
    ]);
    // The folder recorded by prepare is still there: a second prepare is refused.
    const again = await client.refused("prepare", {
      folder,
      description: "alpha",
      compress: false,
    });
    expect(again.code).toBe("JOB_ALREADY_QUEUED");
  });
});
