import { describe, expect, it } from "vitest";
import { claimNextJob, getTape, upsertTape } from "../../../services/catalog/db/index.ts";
import { createCatalogHandlers, suggestTape } from "../../../services/catalog/index.ts";
import type { RecordedJobEvent } from "../../../services/catalog/job-events.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { seedArchived, seedPrepared, seedTapes } from "../gateway/support.ts";

describe("suggestTape", () => {
  const tapes = [
    { barcode: "B", usedKiB: 600, capacityKiB: 1000 },
    { barcode: "A", usedKiB: 600, capacityKiB: 1000 },
    { barcode: "C", usedKiB: 100, capacityKiB: 1000 },
  ];

  it("picks the fullest tape where the folder still fits, the first barcode on a tie", () => {
    expect(suggestTape(tapes, 400)).toBe("A");
  });

  it("counts a folder that fills a tape exactly as fitting", () => {
    expect(suggestTape([{ barcode: "X", usedKiB: 600, capacityKiB: 1000 }], 400)).toBe("X");
  });

  it("falls back to an emptier tape, and to none when it fits nowhere", () => {
    expect(suggestTape(tapes, 401)).toBe("C");
    expect(suggestTape(tapes, 901)).toBeNull();
    expect(suggestTape([], 1)).toBeNull();
  });
});

forEachDatabase("catalog handlers", (catalog) => {
  function handlersWithEvents() {
    const published: RecordedJobEvent[] = [];
    const handlers = createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB: 1000,
      publish: async (events) => {
        published.push(...events);
      },
    });
    return { handlers, published };
  }

  it("creates a job with its events recorded and handed over for publishing", async () => {
    const { handlers, published } = handlersWithEvents();
    const { job } = await handlers["job-create"]({
      kind: "inventory",
      args: { folders: ["/srv"] },
    });
    expect(job).toMatchObject({ kind: "inventory", state: "queued", priority: 200, attempts: 0 });
    expect(published.map((event) => [event.kind, event.jobId])).toEqual([
      ["job.created", job.id],
      ["job.queued", job.id],
    ]);
    const rows = await catalog.db
      .selectFrom("events")
      .select(["id", "kind"])
      .orderBy("id")
      .execute();
    expect(rows.map((row) => row.id)).toEqual(published.map((event) => event.eventId));
    expect(published[1]?.payload).toMatchObject({ jobId: job.id, kind: "inventory", attempt: 1 });
  });

  it("records the changer's inventory: new tapes added, known ones updated, with their home slots", async () => {
    const { handlers } = handlersWithEvents();
    await upsertTape(catalog.db, {
      libraryId: "default",
      barcode: "AAA001L9",
      homeSlot: 9,
      state: "formatted",
    });
    const reply = await handlers["tapes-record"]({
      cartridges: [
        { barcode: "AAA001L9", homeSlot: 1, cleaning: false },
        { barcode: "AAA002L9", homeSlot: 2, cleaning: false },
        { barcode: "CLN001L1", homeSlot: null, cleaning: true },
      ],
    });
    expect(reply).toEqual({ recorded: 3, added: ["AAA002L9", "CLN001L1"], moved: [] });
    expect(await getTape(catalog.db, "AAA001L9")).toMatchObject({
      homeSlot: 1,
      state: "formatted",
    });
    expect(await getTape(catalog.db, "CLN001L1")).toMatchObject({ cleaning: true, homeSlot: null });
    expect((await getTape(catalog.db, "AAA002L9"))?.lastSeenAt).toBeInstanceOf(Date);
    const { tapes } = await handlers["tapes-list"]({});
    expect(
      tapes.map((tape) => [tape.barcode, tape.homeSlot, tape.cleaning, tape.capacityKiB]),
    ).toEqual([
      ["AAA001L9", 1, false, 1000],
      ["AAA002L9", 2, false, 1000],
      ["CLN001L1", null, true, 1000],
    ]);
  });

  it("answers folder and job lookups, null when unknown", async () => {
    const { handlers } = handlersWithEvents();
    await seedPrepared(catalog.db, "/srv/alpha", 42, "alpha");
    expect((await handlers["folder-get"]({ path: "/srv/alpha" })).folder).toMatchObject({
      path: "/srv/alpha",
      state: "prepared",
      sizeKiB: 42,
      description: "alpha",
    });
    expect((await handlers["folder-get"]({ path: "/srv/nope" })).folder).toBeNull();
    expect((await handlers["job-get"]({ id: "deadbeef" })).job).toBeNull();
  });

  it("publishes job.abort-requested for a running job and job.queued with the next attempt on requeue", async () => {
    const { handlers, published } = handlersWithEvents();
    const { job } = await handlers["job-create"]({
      kind: "inventory",
      args: { folders: ["/srv"] },
    });
    await claimNextJob(catalog.db);
    published.length = 0;
    const reply = await handlers["jobs-abort"]({ ids: [job.id] });
    expect(reply.stopRequested.map((j) => [j.id, j.abortRequested, j.state])).toEqual([
      [job.id, true, "running"],
    ]);
    expect(published.map((event) => event.kind)).toEqual(["job.abort-requested"]);
  });

  it("refuses a plain verify of a folder without checksums, and a tape's verify does not mark it verified", async () => {
    const { handlers } = handlersWithEvents();
    await seedTapes(catalog.db);
    await handlers["legacy-import"]({
      folders: [
        {
          source: "database.json line 2",
          path: "/srv/legacy",
          description: "legacy",
          state: "archived",
          sizeKiB: 10,
          compressed: false,
          archivePath: null,
          tape: "AAA001L9",
          nameOnTape: "srv_legacy",
          measuredAt: null,
          archivedAt: "2020-01-01T00:00:00.000Z",
        },
      ],
      jobs: [],
    });
    const refusal = await handlers["job-create"]({
      kind: "verify",
      args: { target: "/srv/legacy" },
    }).catch((error: unknown) => error as { code: string; hint: string });
    expect(refusal).toMatchObject({
      code: "LEGACY_NOT_ADOPTED",
      hint: expect.stringContaining("pytarchive verify --adopt /srv/legacy"),
    });
    const { job } = await handlers["job-create"]({ kind: "verify", args: { target: "AAA001L9" } });
    await claimNextJob(catalog.db, { kinds: ["verify"] });
    const { folder } = await handlers["folder-verified"]({
      jobId: job.id,
      path: "/srv/legacy",
      ok: true,
      at: "2026-01-01T00:00:00.000Z",
    });
    expect(folder.verifiedAt).toBeNull();
    expect((await handlers["deleteable-candidates"]({ ignore: [] })).folders).toEqual([]);
    const adopt = await handlers["job-create"]({
      kind: "verify",
      args: { target: "/srv/legacy", adopt: true },
    });
    expect(adopt.job.state).toBe("queued");
  });

  it("lists archived, verified folders as deleteable candidates, without ignored prefixes", async () => {
    const { handlers } = handlersWithEvents();
    await seedTapes(catalog.db);
    await seedArchived(catalog.db, "/srv/a", { tape: "AAA001L9", name: "a", sizeKib: 1 });
    await seedArchived(catalog.db, "/old/b", { tape: "AAA001L9", name: "b", sizeKib: 2 });
    await seedPrepared(catalog.db, "/srv/c", 3);
    const reply = await handlers["deleteable-candidates"]({ ignore: ["/old"] });
    expect(reply.folders.map((folder) => [folder.path, folder.tape, folder.sizeKiB])).toEqual([
      ["/srv/a", "AAA001L9", 1],
    ]);
  });

  it("lets only one of two concurrent archive jobs take the same name on a tape", async () => {
    const { handlers } = handlersWithEvents();
    await seedTapes(catalog.db);
    await seedPrepared(catalog.db, "/srv/one", 10);
    await seedPrepared(catalog.db, "/srv/two", 10);
    const results = await Promise.allSettled(
      ["/srv/one", "/srv/two"].map((folder) =>
        handlers["job-create"]({
          kind: "archive",
          args: { folder, tape: "AAA001L9", targetName: "same" },
        }),
      ),
    );
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((result) => result.status === "rejected");
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: "NAME_TAKEN_ON_TAPE" });
    const jobs = await catalog.db.selectFrom("jobs").select("id").execute();
    expect(jobs).toHaveLength(1);
  });

  it("lets only one of two concurrent archive jobs fill the last room on a tape", async () => {
    const { handlers } = handlersWithEvents();
    await seedTapes(catalog.db);
    await seedPrepared(catalog.db, "/srv/one", 600);
    await seedPrepared(catalog.db, "/srv/two", 600);
    const results = await Promise.allSettled(
      ["/srv/one", "/srv/two"].map((folder, index) =>
        handlers["job-create"]({
          kind: "archive",
          args: { folder, tape: "AAA002L9", targetName: `n${index}` },
        }),
      ),
    );
    const refused = results.filter((result) => result.status === "rejected");
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
      code: "TAPE_TOO_FULL",
      message: expect.stringContaining("plus 600 KiB of queued archive jobs"),
    });
  });
});
