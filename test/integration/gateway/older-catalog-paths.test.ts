import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningServices } from "../../../services/runner/index.ts";
import { catalogDatabaseFactories, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type CommandClient,
  connectCommandClient,
  makeScratch,
  seedArchived,
  seedTapes,
  startGatewayAndCatalog,
  testConfig,
  uniqueLibraryId,
} from "./support.ts";

/*
 * Catalogs written before the gateway resolved symlinks hold a folder as it was given
 * (/data/link/A where /data/link → /srv). Such a folder is still found by restore and verify
 * given that way, and a restore target is compared with where the folder really is: naming the
 * resolved path (/srv/A/sub) does not slip past the originals rule.
 */

let server: TestNatsServer;
const scratch = makeScratch();

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.dispose();
  scratch.remove();
});

describe.each(catalogDatabaseFactories)(
  "a catalog row stored unresolved, on $dialect",
  (factory) => {
    let database: TestCatalogDatabase;
    let services: RunningServices;
    let client: CommandClient;
    const libraryId = uniqueLibraryId();
    const d = factory.dialect;
    const real = scratch.folder(d, "srv", "A");
    scratch.file(d, "srv", "A", "readme.txt");
    const link = join(scratch.folder(d, "data"), "link");
    symlinkSync(join(scratch.root, d, "srv"), link);
    const stored = join(link, "A");
    const restoreInto = scratch.folder(d, "restore");

    beforeAll(async () => {
      database = await factory.open();
      services = await startGatewayAndCatalog(
        testConfig({ libraryId, natsUrl: server.url, stateDir: scratch.folder(d, "state") }),
        database.db,
      );
      client = await connectCommandClient(server.url, libraryId);
    });

    afterAll(async () => {
      await client?.close();
      await services?.stop();
      await database?.close();
    });

    beforeEach(async () => {
      await database.reset();
      await seedTapes(database.db, libraryId);
      await seedArchived(database.db, stored, { tape: "AAA001L9", name: "A", sizeKib: 1 });
    });

    async function argsOf(jobId: string) {
      const row = await database.db
        .selectFrom("jobs")
        .select("args")
        .where("id", "=", jobId)
        .executeTakeFirstOrThrow();
      return row.args as Record<string, unknown>;
    }

    it("restores and verifies the folder given as it was stored", async () => {
      const restore = await client.send("restore", {
        folder: stored,
        target: join(restoreInto, "A"),
      });
      expect(await argsOf(restore.jobId)).toMatchObject({ folder: stored });
      const verify = await client.send("verify", { target: stored });
      expect(await argsOf(verify.jobId)).toMatchObject({ target: stored });
    });

    it("refuses a restore target inside the folder's resolved path", async () => {
      const error = await client.refused("restore", { folder: stored, target: join(real, "sub") });
      expect(error.code).toBe("TARGET_OVERLAPS_ORIGINAL");
      expect(error.message).toContain(`is inside the original folder ${real}`);
    });
  },
);
