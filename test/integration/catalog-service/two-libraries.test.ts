import { expect, it } from "vitest";
import { type CatalogHandlers, createCatalogHandlers } from "../../../services/catalog/index.ts";
import type { MovedTape } from "../../../services/catalog/tapes-view.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { catalogSnapshot, seedArchived, seedPrepared } from "../gateway/support.ts";

/*
 * Two tape libraries ("hera" and "zeus") share one catalog database, each answered by its own
 * catalog service: what one library's commands see and change is its own, and a command about
 * the other's tape or job is refused with the command to run there.
 */

forEachDatabase("two libraries on one catalog", (catalog) => {
  const moves: MovedTape[] = [];
  const handlersOf = (libraryId: string): CatalogHandlers =>
    createCatalogHandlers({
      libraryId,
      db: catalog.db,
      tapeMaxSizeKiB: 1_000_000,
      publish: async () => {},
      onTapesMoved: (moved) => moves.push(...moved),
    });
  const cartridge = (barcode: string, homeSlot: number) => ({
    barcode,
    homeSlot,
    cleaning: false,
  });

  async function twoLibraries() {
    const hera = handlersOf("hera");
    const zeus = handlersOf("zeus");
    await hera["tapes-record"]({
      cartridges: [cartridge("HER001L9", 1), cartridge("HER002L9", 2)],
    });
    await zeus["tapes-record"]({ cartridges: [cartridge("ZEU001L9", 1)] });
    return { hera, zeus };
  }

  async function refusal(work: () => Promise<unknown>) {
    const before = await catalogSnapshot(catalog.db);
    const error = (await work().then(
      () => null,
      (caught: unknown) => caught,
    )) as { code: string; message: string; hint?: string } | null;
    expect(error, "refused").not.toBeNull();
    expect(await catalogSnapshot(catalog.db), "nothing written").toEqual(before);
    return { code: error?.code, message: error?.message, hint: error?.hint };
  }

  it("lists, suggests and claims only the library's own tapes and jobs", async () => {
    const { hera, zeus } = await twoLibraries();
    expect((await hera["tapes-list"]({})).tapes.map((tape) => tape.barcode)).toEqual([
      "HER001L9",
      "HER002L9",
    ]);
    expect((await zeus["tapes-list"]({})).tapes.map((tape) => tape.barcode)).toEqual(["ZEU001L9"]);

    const heraJob = (await hera["job-create"]({ kind: "inventory", args: { folders: ["/a"] } }))
      .job;
    const zeusJob = (await zeus["job-create"]({ kind: "inventory", args: { folders: ["/b"] } }))
      .job;
    expect((await hera.queue({})).queued.map((job) => job.id)).toEqual([heraJob.id]);
    expect((await zeus.queue({})).queued.map((job) => job.id)).toEqual([zeusJob.id]);

    // Folders are the site's: a folder prepared anywhere is listed, with a tape of this library.
    await seedPrepared(catalog.db, "/srv/site", 10);
    const heraSummary = await hera.summary({});
    expect(heraSummary.tapes.map((tape) => tape.barcode)).toEqual(["HER001L9", "HER002L9"]);
    expect(heraSummary.prepared).toMatchObject([{ path: "/srv/site", suggestedTape: "HER001L9" }]);
    expect((await zeus.summary({})).prepared).toMatchObject([
      { path: "/srv/site", suggestedTape: "ZEU001L9" },
    ]);

    const claimed = await hera["job-claim"]({ kinds: ["inventory"], worker: "scheduler@hera" });
    expect(claimed.job?.id).toBe(heraJob.id);
    expect(
      (await hera["job-claim"]({ kinds: ["inventory"], worker: "scheduler@hera" })).job,
    ).toBeNull();
    expect((await zeus.queue({})).queued.map((job) => job.id)).toEqual([zeusJob.id]);
    const statistics = await zeus["job-statistics"]({});
    expect(statistics.states).toEqual([{ state: "queued", kind: "inventory", jobs: 1 }]);
    expect(statistics.running).toEqual([]);
  });

  it("refuses a restore, verify or archive of another library's tape, naming it and the command to run there", async () => {
    const { hera, zeus } = await twoLibraries();
    await seedArchived(catalog.db, "/srv/alpha", { tape: "ZEU001L9", name: "alpha", sizeKib: 5 });

    const restore = await refusal(() =>
      hera["job-create"]({
        kind: "restore",
        args: { folder: "/srv/alpha", target: "/restore/alpha copy" },
      }),
    );
    expect(restore).toEqual({
      code: "TAPE_IN_OTHER_LIBRARY",
      message:
        "Tape ZEU001L9 is in library 'zeus', not in library 'hera' that this pytarchive serves, so it cannot restore /srv/alpha from it here. Nothing was queued.",
      hint: "Run it in library 'zeus': `PYTARCHIVE_LIBRARY_ID=zeus pytarchive restore /srv/alpha '/restore/alpha copy'` (or on a host whose [NATS] library_id is zeus; where libraries share NATS with a user each, with zeus's operator credentials in $PYTARCHIVE_NATS_CREDENTIALS).",
    });
    expect(
      await refusal(() => hera["job-create"]({ kind: "verify", args: { target: "/srv/alpha" } })),
    ).toMatchObject({ code: "TAPE_IN_OTHER_LIBRARY" });
    await seedPrepared(catalog.db, "/srv/beta", 5);
    expect(
      await refusal(() =>
        hera["job-create"]({
          kind: "archive",
          args: { folder: "/srv/beta", tape: "ZEU001L9", targetName: "beta" },
        }),
      ),
    ).toMatchObject({
      code: "TAPE_IN_OTHER_LIBRARY",
      hint: expect.stringContaining(
        "`PYTARCHIVE_LIBRARY_ID=zeus pytarchive archive /srv/beta ZEU001L9 -t beta`",
      ),
    });

    // The library that holds the tape queues the restore.
    const { job } = await zeus["job-create"]({
      kind: "restore",
      args: { folder: "/srv/alpha", target: "/restore/alpha" },
    });
    expect(job.state).toBe("queued");
  });

  it("does not show, abort or requeue another library's job", async () => {
    const { hera, zeus } = await twoLibraries();
    const { job } = await zeus["job-create"]({ kind: "inventory", args: { folders: ["/b"] } });
    expect(await refusal(() => hera["job-get"]({ id: job.id }))).toMatchObject({
      code: "JOB_IN_OTHER_LIBRARY",
      message: expect.stringContaining(`Job ${job.id} runs in library 'zeus'`),
      hint: "Ask library 'zeus': `PYTARCHIVE_LIBRARY_ID=zeus pytarchive queue`.",
    });
    const aborted = await hera["jobs-abort"]({ ids: [job.id] });
    expect(aborted.aborted).toEqual([]);
    expect(aborted.skipped).toEqual([
      {
        id: job.id,
        code: "JOB_IN_OTHER_LIBRARY",
        reason: `runs in library 'zeus': run \`PYTARCHIVE_LIBRARY_ID=zeus pytarchive abort ${job.id}\``,
      },
    ]);
    expect((await zeus["job-get"]({ id: job.id })).job?.state).toBe("queued");
    expect(
      await refusal(() => hera["job-progress"]({ id: job.id, step: "report", text: "not mine" })),
    ).toMatchObject({ code: "JOB_IN_OTHER_LIBRARY" });
  });

  it("moves a tape to the library whose inventory saw it last, and says so", async () => {
    const { hera, zeus } = await twoLibraries();
    moves.length = 0;
    const reply = await hera["tapes-record"]({ cartridges: [cartridge("ZEU001L9", 5)] });
    expect(reply).toEqual({
      recorded: 1,
      added: [],
      moved: [{ barcode: "ZEU001L9", from: "zeus", to: "hera" }],
    });
    expect(moves).toEqual([{ barcode: "ZEU001L9", from: "zeus", to: "hera" }]);
    expect((await zeus["tapes-list"]({})).tapes).toEqual([]);
    expect((await hera["tapes-list"]({})).tapes.map((tape) => tape.barcode)).toContain("ZEU001L9");
  });
});
