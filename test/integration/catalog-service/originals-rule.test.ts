import { expect, it } from "vitest";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { catalogSnapshot, seedArchived, seedPrepared, seedTapes } from "../gateway/support.ts";

/*
 * The originals rule where it cannot be bypassed: the catalog's job-create, as any service (or a
 * plain `nats req` past the gateway) reaches it. Paths here are as the gateway hands them over.
 */

forEachDatabase("the catalog's originals rule", (catalog) => {
  const handlers = () =>
    createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB: 1000,
      scratchPath: "/var/pytarchive/scratch",
      stateFolder: "/var/lib/pytarchive",
      mountPoints: ["/mnt/ltfs0", "/mnt/ltfs1"],
      publish: async () => {},
    });

  async function refusal(work: () => Promise<unknown>): Promise<{ code: string; message: string }> {
    const before = await catalogSnapshot(catalog.db);
    const error = (await work().then(
      () => null,
      (caught: unknown) => caught,
    )) as { code: string; message: string } | null;
    expect(error, "refused").not.toBeNull();
    expect(await catalogSnapshot(catalog.db), "nothing written").toEqual(before);
    return { code: error?.code ?? "", message: error?.message ?? "" };
  }

  it("refuses restore targets in, on or around originals of any state, and in scratch", async () => {
    await seedTapes(catalog.db);
    await seedArchived(catalog.db, "/srv/a", { tape: "AAA001L9", name: "a", sizeKib: 1 });
    await seedPrepared(catalog.db, "/srv/b", 1);
    const restore = (target: string) =>
      handlers()["job-create"]({ kind: "restore", args: { folder: "/srv/a", target } });
    for (const target of ["/srv/a/emptysub", "/srv/b/new", "/srv/b", "/srv"]) {
      expect(await refusal(() => restore(target))).toMatchObject({
        code: "TARGET_OVERLAPS_ORIGINAL",
      });
    }
    expect(await refusal(() => restore("/var/pytarchive/scratch/x"))).toMatchObject({
      code: "TARGET_IN_SCRATCH",
    });
    const { job } = await restore("/srv/ab/restored");
    expect(job.state).toBe("queued");
  });

  it("refuses to prepare or restore into scratch_path, the state folder or a mount point", async () => {
    await seedTapes(catalog.db);
    await seedArchived(catalog.db, "/srv/a", { tape: "AAA001L9", name: "a", sizeKib: 1 });
    const prepare = (folder: string) =>
      handlers()["job-create"]({
        kind: "prepare",
        args: { folder, description: "d", compress: true },
      });
    for (const folder of [
      "/var",
      "/var/pytarchive/scratch/old",
      "/var/lib",
      "/mnt",
      "/mnt/ltfs1/x",
    ]) {
      expect(await refusal(() => prepare(folder))).toMatchObject({
        code: "FOLDER_OVERLAPS_PYTARCHIVE_FOLDER",
      });
    }
    const restore = (target: string) =>
      handlers()["job-create"]({ kind: "restore", args: { folder: "/srv/a", target } });
    for (const target of ["/mnt/ltfs0/x", "/var/lib/pytarchive/restored"]) {
      expect(await refusal(() => restore(target))).toMatchObject({
        code: "TARGET_OVERLAPS_PYTARCHIVE_FOLDER",
      });
    }
    expect((await prepare("/mnt/other")).job.state).toBe("queued");
  });

  it("refuses to prepare a folder in or around one held for archiving, naming it", async () => {
    await seedTapes(catalog.db);
    await seedArchived(catalog.db, "/srv/a", { tape: "AAA001L9", name: "a", sizeKib: 1 });
    const prepare = (folder: string) =>
      handlers()["job-create"]({
        kind: "prepare",
        args: { folder, description: "d", compress: false },
      });
    expect(await refusal(() => prepare("/srv/a/sub"))).toEqual({
      code: "FOLDER_OVERLAPS_ORIGINAL",
      message:
        "/srv/a/sub is inside /srv/a, which is archived: its files would be archived twice. Nothing was queued.",
    });
    await prepare("/srv/c");
    expect((await refusal(() => prepare("/srv"))).message).toMatch(
      /^\/srv contains \/srv\/(a|c), which is (archived|preparing)/,
    );
    expect((await prepare("/srv/ab")).job.state).toBe("queued");
  });

  it("refuses to prepare, or restore again into, where an unfinished restore writes", async () => {
    await seedTapes(catalog.db);
    await seedArchived(catalog.db, "/srv/a", { tape: "AAA001L9", name: "a", sizeKib: 1 });
    const { job } = await handlers()["job-create"]({
      kind: "restore",
      args: { folder: "/srv/a", target: "/restored/a" },
    });
    expect(
      await refusal(() =>
        handlers()["job-create"]({
          kind: "prepare",
          args: { folder: "/restored/a", description: "d", compress: false },
        }),
      ),
    ).toEqual({
      code: "OVERLAPS_RESTORE_TARGET",
      message: `The folder /restored/a is the folder where restore job ${job.id} writes and has not finished. Nothing was queued.`,
    });
    expect(
      await refusal(() =>
        handlers()["job-create"]({
          kind: "restore",
          args: { folder: "/srv/a", target: "/restored/a/inner" },
        }),
      ),
    ).toMatchObject({ code: "OVERLAPS_RESTORE_TARGET" });
  });

  const legacyFolder = {
    source: "database.json line 2",
    path: "/srv/alpha",
    description: "alpha",
    state: "archived" as const,
    sizeKiB: 10,
    compressed: false,
    archivePath: null,
    tape: "AAA001L9",
    nameOnTape: "srv_alpha",
    measuredAt: null,
    archivedAt: "2020-01-01T00:00:00.000Z",
  };
  const failedRestore = (key: string, target: string, failed: string | null) => ({
    source: `queue.json ${key}`,
    key: key.repeat(32),
    kind: "restore" as const,
    priority: 100,
    createdAt: "2020-01-02T00:00:00.000Z",
    failed,
    args: { folder: "/srv/alpha", target },
  });

  it("refuses an imported failed restore into an original, and requeues nothing that fails the checks", async () => {
    await seedTapes(catalog.db);
    const { folders, jobs } = await handlers()["legacy-import"]({
      folders: [legacyFolder],
      jobs: [
        failedRestore("a", "/srv/alpha/restored", "Traceback … OSError"),
        failedRestore("b", "/restored/alpha", null),
      ],
    });
    expect(folders[0]?.outcome).toBe("added");
    expect(jobs[0]).toMatchObject({ outcome: "refused" });
    expect(jobs[0]?.message).toMatch(/^TARGET_OVERLAPS_ORIGINAL: /);
    // Not adopted: imported failed; requeued before adoption it stays failed, saying why.
    expect(jobs[1]).toMatchObject({ outcome: "added", state: "failed" });
    const id = String(jobs[1]?.jobId);
    const before = await catalogSnapshot(catalog.db);
    const reply = await handlers()["jobs-requeue"]({ ids: [id] });
    expect(reply.requeued).toEqual([]);
    expect(reply.skipped).toEqual([
      {
        id,
        code: "LEGACY_NOT_ADOPTED",
        reason: expect.stringMatching(
          /^cannot be requeued: LEGACY_NOT_ADOPTED: .*verify --adopt \/srv\/alpha` reads it from tape AAA001L9.* when the original is gone$/,
        ),
      },
    ]);
    expect((await handlers()["jobs-requeue"]({ all: true })).skipped).toEqual(reply.skipped);
    expect(await catalogSnapshot(catalog.db), "nothing written").toEqual(before);
  });

  it("checks a requeued restore's target again: an original archived there since is refused", async () => {
    await seedTapes(catalog.db);
    await seedArchived(catalog.db, "/srv/a", { tape: "AAA001L9", name: "a", sizeKib: 1 });
    const { job } = await handlers()["job-create"]({
      kind: "restore",
      args: { folder: "/srv/a", target: "/srv/b/restored" },
    });
    await catalog.db
      .updateTable("jobs")
      .set({ state: "failed", error: "{}" })
      .where("id", "=", job.id)
      .execute();
    await seedArchived(catalog.db, "/srv/b", { tape: "AAA001L9", name: "b", sizeKib: 1 });
    const reply = await handlers()["jobs-requeue"]({ ids: [job.id] });
    expect(reply.requeued).toEqual([]);
    expect(reply.skipped?.[0]?.code).toBe("TARGET_OVERLAPS_ORIGINAL");
    expect(reply.skipped?.[0]?.reason).toMatch(
      /^cannot be requeued: TARGET_OVERLAPS_ORIGINAL: The restore target \/srv\/b\/restored is inside the original folder \/srv\/b /,
    );
    await catalog.db.deleteFrom("folders").where("path", "=", "/srv/b").execute();
    const again = await handlers()["jobs-requeue"]({ ids: [job.id] });
    expect(again.requeued.map((requeued) => requeued.state)).toEqual(["queued"]);
  });
});
