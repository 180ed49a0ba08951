import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  claimNextJob,
  findFolderByPath,
  getJob,
  recordFolderVerified,
} from "../../../services/catalog/db/index.ts";
import type { RunningServices } from "../../../services/runner/index.ts";
import { catalogDatabaseFactories, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type CommandClient,
  connectCommandClient,
  failNextJob,
  makeScratch,
  seedArchived,
  seedPrepared,
  seedTapes,
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

describe.each(catalogDatabaseFactories)(
  "every verb round-trips CLI → gateway → catalog on $dialect",
  (factory) => {
    let database: TestCatalogDatabase;
    let services: RunningServices;
    let client: CommandClient;
    const libraryId = uniqueLibraryId();
    const sources = [
      scratch.folder(factory.dialect, "homes"),
      scratch.folder(factory.dialect, "groups"),
    ];

    beforeAll(async () => {
      database = await factory.open();
      const config = testConfig({
        libraryId,
        natsUrl: server.url,
        stateDir: scratch.folder(factory.dialect, "state"),
        sourceFolders: sources,
      });
      services = await startGatewayAndCatalog(config, database.db);
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
    });

    it("prepare queues a job at priority 0 and records the folder as preparing", async () => {
      const folder = scratch.folder(factory.dialect, "projects", "2021", "alpha");
      const reply = await client.send("prepare", {
        folder: `${folder}/`,
        description: "Alpha project, ended 2021",
        compress: true,
      });
      expect(reply.message).toBe(`queued as ${reply.jobId}`);
      expect(reply.jobId).toMatch(/^[0-9a-f]{8}$/);
      const job = await getJob(database.db, reply.jobId);
      expect(job).toMatchObject({
        kind: "prepare",
        state: "queued",
        priority: 0,
        args: { folder, description: "Alpha project, ended 2021", compress: true },
      });
      const row = await findFolderByPath(database.db, folder);
      expect(row).toMatchObject({
        state: "preparing",
        description: "Alpha project, ended 2021",
        compressed: true,
      });
      const queue = await client.send("queue", {});
      expect(queue.queued.map((j) => [j.id, j.description])).toEqual([
        [reply.jobId, `Preparing folder: ${folder}`],
      ]);
    });

    it("archive queues at priority 100 under the default name, the last three path parts joined by _", async () => {
      const folder = scratch.folder(factory.dialect, "srv", "projects", "2021", "beta");
      await seedPrepared(database.db, folder, 300);
      const reply = await client.send("archive", { folder, tape: "aaa001l9" });
      const job = await getJob(database.db, reply.jobId);
      expect(job).toMatchObject({
        kind: "archive",
        priority: 100,
        args: { folder, tape: "AAA001L9", targetName: "projects_2021_beta" },
      });
      const queue = await client.send("queue", {});
      expect(queue.queued[0]?.description).toBe(`Archiving folder: ${folder} to tape AAA001L9`);
    });

    it("archive keeps the name given with -t and the priority given", async () => {
      const folder = scratch.folder(factory.dialect, "gamma");
      await seedPrepared(database.db, folder, 10);
      const reply = await client.send("archive", {
        folder,
        tape: "AAA002L9",
        targetName: "gamma-final",
        priority: 7,
      });
      expect(await getJob(database.db, reply.jobId)).toMatchObject({
        priority: 7,
        args: { folder, tape: "AAA002L9", targetName: "gamma-final" },
      });
    });

    it("restore queues into a new folder and into an empty one, with a subfolder", async () => {
      await seedArchived(database.db, "/gone/projects/delta", {
        tape: "AAA001L9",
        name: "delta",
        sizeKib: 50,
      });
      const empty = scratch.folder(factory.dialect, "restore-empty");
      const fresh = `${scratch.folder(factory.dialect, "restore-parent")}/delta`;
      const first = await client.send("restore", { folder: "/gone/projects/delta", target: fresh });
      const second = await client.send("restore", {
        folder: "/gone/projects/delta",
        target: empty,
        subfolder: "2021/data/",
        priority: 5,
      });
      expect(await getJob(database.db, first.jobId)).toMatchObject({
        kind: "restore",
        priority: 100,
        args: { folder: "/gone/projects/delta", target: fresh },
      });
      expect(await getJob(database.db, second.jobId)).toMatchObject({
        priority: 5,
        args: { folder: "/gone/projects/delta", target: empty, subfolder: "2021/data" },
      });
      const queue = await client.send("queue", {});
      expect(queue.queued.map((job) => job.description)).toEqual([
        `Restoring folder: /gone/projects/delta (subfolder 2021/data) to ${empty}`,
        `Restoring folder: /gone/projects/delta to ${fresh}`,
      ]);
    });

    it("explore queues at priority 20 for 600 s unless told otherwise", async () => {
      const plain = await client.send("explore", { tape: "AAA001L9" });
      const timed = await client.send("explore", {
        tape: "AAA002L9",
        seconds: 60,
        email: "alice@example.org",
      });
      expect(await getJob(database.db, plain.jobId)).toMatchObject({
        kind: "explore",
        priority: 20,
        args: { tape: "AAA001L9", seconds: 600 },
      });
      expect(await getJob(database.db, timed.jobId)).toMatchObject({
        args: { tape: "AAA002L9", seconds: 60, email: "alice@example.org" },
      });
      const queue = await client.send("queue", {});
      expect(queue.queued.map((job) => job.description)).toEqual([
        "Exploring tape AAA001L9 for 600 s",
        "Exploring tape AAA002L9 for 60 s",
      ]);
    });

    it("inventory defaults to source_folders at priority 200", async () => {
      const reply = await client.send("inventory", {});
      expect(await getJob(database.db, reply.jobId)).toMatchObject({
        kind: "inventory",
        priority: 200,
        args: { folders: sources },
      });
      const given = await client.send("inventory", { folders: [sources[1]], priority: 150 });
      expect(await getJob(database.db, given.jobId)).toMatchObject({
        priority: 150,
        args: { folders: [sources[1]] },
      });
      const queue = await client.send("queue", {});
      expect(queue.queued.map((job) => job.description)).toEqual([
        `Inventory of ${sources[1]}`,
        `Inventory of ${sources.join(", ")}`,
      ]);
    });

    it("verify queues for an archived folder or a tape", async () => {
      await seedArchived(database.db, "/srv/epsilon", {
        tape: "AAA001L9",
        name: "epsilon",
        sizeKib: 5,
      });
      const byFolder = await client.send("verify", { target: "/srv/epsilon" });
      const byTape = await client.send("verify", { target: "aaa001l9" });
      expect(await getJob(database.db, byFolder.jobId)).toMatchObject({
        kind: "verify",
        priority: 100,
        args: { target: "/srv/epsilon" },
      });
      expect(await getJob(database.db, byTape.jobId)).toMatchObject({
        args: { target: "AAA001L9" },
      });
      const queue = await client.send("queue", {});
      expect(queue.queued.map((job) => job.description)).toEqual([
        "Verifying folder: /srv/epsilon",
        "Verifying tape AAA001L9",
      ]);
    });

    it("queue lists running, then queued by priority then age, and failed with their error", async () => {
      const a = await client.send("inventory", { priority: 300 });
      const b = await client.send("explore", { tape: "AAA001L9", priority: 50 });
      const c = await client.send("explore", { tape: "AAA002L9", priority: 50 });
      const d = await client.send("inventory", { priority: 10 });
      const e = await client.send("explore", { tape: "AAA001L9", priority: 1 });
      // e runs, d fails; b, c (same priority, b older) and a wait.
      const running = await claimNextJob(database.db);
      expect(running?.id).toBe(e.jobId);
      expect(await failNextJob(database.db, "mtx: Request Sense: Medium removal prevented")).toBe(
        d.jobId,
      );
      const queue = await client.send("queue", {});
      expect(queue.running.map((job) => [job.id, job.state])).toEqual([[e.jobId, "running"]]);
      expect(queue.queued.map((job) => job.id)).toEqual([b.jobId, c.jobId, a.jobId]);
      expect(queue.failed.map((job) => [job.id, job.error])).toEqual([
        [d.jobId, "mtx: Request Sense: Medium removal prevented"],
      ]);
      expect(queue.failed[0]?.attempts).toBe(1);
      expect(queue.queued[0]).toMatchObject({
        kind: "explore",
        priority: 50,
        progress: null,
        error: null,
      });
      expect(Date.parse(queue.queued[0]?.createdAt ?? "")).not.toBeNaN();
    });

    it("requeue puts one failed job back in its old place, and --all every failed job", async () => {
      const first = await client.send("inventory", {});
      const second = await client.send("inventory", { priority: 250 });
      const third = await client.send("inventory", { priority: 260 });
      for (const _ of [first, second, third])
        await failNextJob(database.db, "source folder not mounted");
      const one = await client.send("requeue", { ids: [second.jobId] });
      expect(one.requeued).toEqual([second.jobId]);
      let queue = await client.send("queue", {});
      expect(queue.queued.map((job) => job.id)).toEqual([second.jobId]);
      expect(queue.failed.map((job) => job.id).sort()).toEqual([first.jobId, third.jobId].sort());

      const all = await client.send("requeue", { all: true });
      expect(all.requeued.sort()).toEqual([first.jobId, third.jobId].sort());
      queue = await client.send("queue", {});
      expect(queue.queued.map((job) => job.id)).toEqual([first.jobId, second.jobId, third.jobId]);
      expect(queue.failed).toEqual([]);
      expect((await getJob(database.db, first.jobId))?.error).toBeNull();
    });

    it("abort removes queued and failed jobs and asks a running one to stop", async () => {
      const running = await client.send("explore", { tape: "AAA001L9", priority: 1 });
      const failed = await client.send("inventory", { priority: 2 });
      const queued = await client.send("inventory", { priority: 3 });
      await claimNextJob(database.db);
      await failNextJob(database.db, "boom");
      const reply = await client.send("abort", {
        ids: [queued.jobId, running.jobId, failed.jobId],
      });
      expect(reply).toEqual({
        aborted: [queued.jobId, failed.jobId],
        stopRequested: [running.jobId],
        tooLate: [],
      });
      expect((await getJob(database.db, queued.jobId))?.state).toBe("aborted");
      expect((await getJob(database.db, failed.jobId))?.state).toBe("aborted");
      expect(await getJob(database.db, running.jobId)).toMatchObject({
        state: "running",
        abortRequested: true,
      });
      const queue = await client.send("queue", {});
      expect(queue.queued).toEqual([]);
      expect(queue.failed).toEqual([]);
      expect(queue.running.map((job) => [job.id, job.abortRequested])).toEqual([
        [running.jobId, true],
      ]);
    });

    it("aborting a queued prepare forgets its folder, so it can be prepared again", async () => {
      const folder = scratch.folder(factory.dialect, "zeta");
      const first = await client.send("prepare", { folder, description: "zeta", compress: false });
      await client.send("abort", { ids: [first.jobId] });
      expect(await findFolderByPath(database.db, folder)).toBeNull();
      const again = await client.send("prepare", {
        folder,
        description: "zeta again",
        compress: false,
      });
      expect((await findFolderByPath(database.db, folder))?.description).toBe("zeta again");
      expect(again.jobId).not.toBe(first.jobId);
    });

    it("summary shows each tape's fill and folders, and suggests the fullest tape where a prepared folder fits", async () => {
      // Tapes hold 1000 KiB (tape_max_size of this test). AAA001L9: 700 used; AAA002L9: 200 used.
      await seedArchived(database.db, "/srv/a1", {
        tape: "AAA001L9",
        name: "a1",
        sizeKib: 700,
        description: "first",
      });
      await seedArchived(database.db, "/srv/b1", { tape: "AAA002L9", name: "b1", sizeKib: 200 });
      await seedPrepared(database.db, "/srv/fits-first", 300, "fits on the fuller tape");
      await seedPrepared(database.db, "/srv/fits-second", 301, "only fits on the emptier tape");
      await seedPrepared(database.db, "/srv/fits-nowhere", 801, "too big for both");
      const summary = await client.send("summary", {});
      expect(summary.tapeMaxSizeKiB).toBe(1000);
      expect(summary.tapes.map((t) => [t.barcode, t.usedKiB, t.capacityKiB, t.percent])).toEqual([
        ["AAA001L9", 700, 1000, 70],
        ["AAA002L9", 200, 1000, 20],
      ]);
      expect(summary.tapes[0]?.folders).toEqual([
        {
          path: "/srv/a1",
          name: "a1",
          sizeKiB: 700,
          description: "first",
          archivedAt: expect.any(String),
          simulated: false,
          // Archived here: read back against its checksums, so verified.
          verified: true,
        },
      ]);
      const suggested = Object.fromEntries(summary.prepared.map((f) => [f.path, f.suggestedTape]));
      expect(suggested).toEqual({
        "/srv/fits-first": "AAA001L9",
        "/srv/fits-second": "AAA002L9",
        "/srv/fits-nowhere": null,
      });
      expect(summary.prepared.find((f) => f.path === "/srv/fits-first")).toMatchObject({
        description: "fits on the fuller tape",
        sizeKiB: 300,
        fileCount: 3,
        compressed: false,
      });
    });

    it("summary counts queued archive jobs when suggesting a tape", async () => {
      const queuedFolder = scratch.folder(factory.dialect, "eta");
      await seedArchived(database.db, "/srv/a1", { tape: "AAA001L9", name: "a1", sizeKib: 500 });
      await seedPrepared(database.db, queuedFolder, 300);
      await seedPrepared(database.db, "/srv/next", 300);
      expect(
        (await client.send("summary", {})).prepared.find((f) => f.path === "/srv/next")
          ?.suggestedTape,
      ).toBe("AAA001L9");
      await client.send("archive", { folder: queuedFolder, tape: "AAA001L9" });
      // 500 archived + 300 queued: another 300 no longer fits on AAA001L9.
      expect(
        (await client.send("summary", {})).prepared.find((f) => f.path === "/srv/next")
          ?.suggestedTape,
      ).toBe("AAA002L9");
    });

    it("deleteable lists archived folders whose original still exists, minus ignored prefixes", async () => {
      const still = scratch.folder(factory.dialect, "deleteable", "still-here");
      const ignored = scratch.folder(factory.dialect, "deleteable", "keep", "this");
      const stillRow = await seedArchived(database.db, still, {
        tape: "AAA001L9",
        name: "still",
        sizeKib: 10,
      });
      await seedArchived(database.db, "/srv/already-deleted", {
        tape: "AAA001L9",
        name: "gone",
        sizeKib: 10,
      });
      await seedArchived(database.db, ignored, { tape: "AAA002L9", name: "keep", sizeKib: 10 });
      await recordFolderVerified(database.db, stillRow.id, new Date());
      const reply = await client.send("deleteable", {
        ignore: [scratch.folder(factory.dialect, "deleteable", "keep")],
      });
      expect(reply.deleteable.map((f) => [f.path, f.tape, f.sizeKiB])).toEqual([
        [still, "AAA001L9", 10],
      ]);
      expect(reply.unchecked).toEqual([]);
      // Tapes of a real library: nothing is held back as only on simulated tapes.
      expect(reply.simulatedOnly).toEqual([]);
    });

    it("tapes lists every cartridge the catalog knows, cleaning tapes marked", async () => {
      await seedArchived(database.db, "/srv/a1", { tape: "AAA001L9", name: "a1", sizeKib: 123 });
      const reply = await client.send("tapes", {});
      expect(reply.tapes).toEqual([
        {
          barcode: "AAA001L9",
          location: "unknown",
          slot: null,
          drive: null,
          cleaning: false,
          simulated: false,
          state: "blank",
          usedKiB: 123,
          capacityKiB: 1000,
        },
        {
          barcode: "AAA002L9",
          location: "unknown",
          slot: null,
          drive: null,
          cleaning: false,
          simulated: false,
          state: "blank",
          usedKiB: 0,
          capacityKiB: 1000,
        },
        {
          barcode: "CLN001L1",
          location: "unknown",
          slot: null,
          drive: null,
          cleaning: true,
          simulated: false,
          state: "blank",
          usedKiB: 0,
          capacityKiB: 1000,
        },
      ]);
    });

    it("records a job.created and a job.queued event for a new job, job.aborted when aborted", async () => {
      const reply = await client.send("inventory", {});
      await client.send("abort", { ids: [reply.jobId] });
      const events = await database.db
        .selectFrom("events")
        .select(["kind", "jobId"])
        .where("jobId", "=", reply.jobId)
        .orderBy("id")
        .execute();
      expect(events.map((e) => e.kind)).toEqual(["job.created", "job.queued", "job.aborted"]);
    });
  },
);
