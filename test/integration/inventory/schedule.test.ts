import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scheduleInventory } from "../../../services/inventory/schedule.ts";
import type { RunningServices } from "../../../services/runner/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import { createCatalogClient } from "../../../shared/nats/catalog-client.ts";
import { connectNats } from "../../../shared/nats/index.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  schedulerTestConfig,
  startFrontDoor,
  uniqueLibraryId,
  waitFor,
} from "../scheduler/support.ts";

/*
 * `[Inventory] schedule`: at every time the cron expression names, an inventory job of the
 * source folders is queued in the catalog, as `pytarchive inventory` would queue it. (The
 * configuration takes 5-field expressions; croner's seconds field makes the test fast.)
 */

let server: TestNatsServer;
let database: TestCatalogDatabase;
let frontDoor: RunningServices;
let nc: NatsConnection;
let root: string;
const libraryId = uniqueLibraryId();

beforeAll(async () => {
  server = await startNatsServer();
  database = await pgliteDatabaseFactory.open();
  root = await mkdtemp(path.join(tmpdir(), "pyt-inventory-schedule-"));
  const config = schedulerTestConfig({ libraryId, natsUrl: server.url, root });
  frontDoor = await startFrontDoor(config, database.db);
  nc = await connectNats({ url: server.url, name: "inventory-schedule-test" });
});

afterAll(async () => {
  await nc?.close();
  await frontDoor?.stop();
  await database?.close();
  await server?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe("scheduleInventory", () => {
  it("queues an inventory job of the source folders at each scheduled time, until stopped", async () => {
    const lines: string[] = [];
    const log = createLogger({
      service: "inventory",
      stream: { write: (line: string) => lines.push(line) > 0 },
    });
    const stop = scheduleInventory({
      expression: "* * * * * *",
      folders: ["/srv/homes", "/srv/projects"],
      catalog: createCatalogClient(nc, libraryId),
      log,
    });
    const jobs = await waitFor(
      "two scheduled inventory jobs",
      async () => {
        const rows = await database.db
          .selectFrom("jobs")
          .selectAll()
          .where("kind", "=", "inventory")
          .execute();
        return rows.length >= 2 ? rows : undefined;
      },
      10_000,
    );
    stop();
    const counted = jobs.length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const after = await database.db.selectFrom("jobs").select("id").execute();
    expect(after.length).toBeLessThanOrEqual(counted + 1);
    expect(jobs[0]).toMatchObject({
      state: "queued",
      priority: 200,
      args: { folders: ["/srv/homes", "/srv/projects"] },
    });
    expect(lines.some((line) => line.includes("inventory scheduled"))).toBe(true);
  });
});
