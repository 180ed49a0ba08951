import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServices } from "../../../services/runner/index.ts";
import type { LegacyImportRequest } from "../../../shared/messages/index.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type CommandClient,
  catalogSnapshot,
  connectCommandClient,
  makeScratch,
  seedArchived,
  seedTapes,
  startGatewayAndCatalog,
  testConfig,
  uniqueLibraryId,
} from "./support.ts";

/*
 * A task of the original's queue.json that restores into an original must be refused as a
 * `restore` command is: by the one originals rule, with the target's symlinks resolved, not by
 * comparing the text. A link (or a linked parent folder) that leads into an archived folder, or
 * into a folder imported in the same request, writes into the original all the same.
 */

let server: TestNatsServer;
let database: TestCatalogDatabase;
let services: RunningServices;
let client: CommandClient;
const scratch = makeScratch();
const libraryId = uniqueLibraryId();
/** Archived before the import, in the catalog. */
const archived = scratch.folder("srv", "archived");
/** Archived by the original pytarchive, recorded by the same import request. */
const imported = scratch.folder("srv", "imported");
const restoreInto = scratch.folder("restore");
/** `/…/links/to-archived` → the archived original; `/…/links/to-srv` → its parent. */
const links = scratch.folder("links");
symlinkSync(archived, join(links, "to-archived"));
symlinkSync(join(scratch.root, "srv"), join(links, "to-srv"));
symlinkSync(restoreInto, join(links, "to-restore"));
mkdirSync(join(archived, "data"));

let sequence = 0;
function restoreTask(target: string): LegacyImportRequest["jobs"][number] {
  sequence++;
  return {
    key: sequence.toString(16).padStart(32, "0"),
    kind: "restore",
    args: { folder: archived, target },
    priority: 50,
    createdAt: "2024-05-06T08:00:00.000Z",
    failed: null,
    source: `queue.json task ${sequence}`,
  };
}

const importedFolder: LegacyImportRequest["folders"][number] = {
  path: imported,
  description: "imported with its tasks",
  state: "archived",
  sizeKiB: 10,
  compressed: false,
  archivePath: null,
  tape: "AAA001L9",
  nameOnTape: "imported",
  measuredAt: null,
  archivedAt: "2024-05-01T08:00:00.000Z",
  source: "database.json entry 1",
};

beforeAll(async () => {
  server = await startNatsServer();
  database = await pgliteDatabaseFactory.open();
  services = await startGatewayAndCatalog(
    testConfig({ libraryId, natsUrl: server.url, stateDir: scratch.folder("state") }),
    database.db,
  );
  client = await connectCommandClient(server.url, libraryId);
  await seedTapes(database.db, libraryId);
  await seedArchived(database.db, archived, { tape: "AAA001L9", name: "archived", sizeKib: 10 });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await services?.stop();
  await database?.close();
  await server?.dispose();
  scratch.remove();
});

describe("import-legacy: a restore task's target and the originals", () => {
  it("refuses targets that reach into an original through a symlink, naming where they really go; nothing of them is recorded", async () => {
    const before = await catalogSnapshot(database.db);
    const reply = await client.send("import-legacy", {
      folders: [],
      jobs: [
        restoreTask(join(links, "to-archived", "data", "restored")),
        restoreTask(join(links, "to-srv", "archived")),
      ],
    });
    expect(reply.jobs.map((job) => job.outcome)).toEqual(["refused", "refused"]);
    expect(reply.jobs[0]?.message).toMatch(
      new RegExp(
        `^TARGET_OVERLAPS_ORIGINAL: The restore target ${archived}/data/restored is inside the original folder ${archived} `,
      ),
    );
    expect(reply.jobs[1]?.message).toMatch(
      new RegExp(
        `^TARGET_OVERLAPS_ORIGINAL: The restore target ${archived} is the original folder`,
      ),
    );
    expect(await catalogSnapshot(database.db)).toEqual(before);
  });

  it("refuses a target written with .. (it could climb into an original), before any lookup", async () => {
    const reply = await client.send("import-legacy", {
      folders: [],
      jobs: [restoreTask(`${restoreInto}/../srv/archived/x`)],
    });
    expect(reply.jobs[0]).toMatchObject({ outcome: "refused", jobId: null });
    expect(reply.jobs[0]?.message).toMatch(/^PATH_NOT_ABSOLUTE: .*contains "\." or "\.\." parts/);
  });

  it("refuses a target that reaches, by a link, into a folder imported in the same request", async () => {
    const reply = await client.send("import-legacy", {
      folders: [importedFolder],
      jobs: [restoreTask(join(links, "to-srv", "imported", "restored"))],
    });
    expect(reply.folders[0]?.outcome).toBe("added");
    expect(reply.jobs[0]?.outcome).toBe("refused");
    expect(reply.jobs[0]?.message).toMatch(
      new RegExp(`^TARGET_OVERLAPS_ORIGINAL: .*is inside the original folder ${imported} `),
    );
  });

  it("records a target apart from every original with its links resolved, as restore does", async () => {
    const reply = await client.send("import-legacy", {
      folders: [],
      jobs: [restoreTask(join(links, "to-restore", "archived"))],
    });
    expect(reply.jobs[0]?.outcome, reply.jobs[0]?.message ?? "").toBe("added");
    const row = await database.db
      .selectFrom("jobs")
      .select("args")
      .where("id", "=", String(reply.jobs[0]?.jobId))
      .executeTakeFirstOrThrow();
    expect(row.args).toMatchObject({ folder: archived, target: join(restoreInto, "archived") });
  });
});
