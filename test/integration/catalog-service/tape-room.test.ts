import { expect, it } from "vitest";
import { upsertPreparedFolder, upsertTape } from "../../../services/catalog/db/index.ts";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { failNextJob, seedPrepared } from "../gateway/support.ts";

/*
 * Finding 8 in the catalog: a tape's capacity is its own (LTFS's, the library's statement for a
 * blank cartridge, or its LTO generation's) capped by tape_max_size; used space is LTFS's last
 * report when the catalog's folders add up to less; room is counted by apparent size; a failed
 * archive job reserves nothing.
 */

const GiB = 1024 * 1024;

forEachDatabase("tape capacity and room", (catalog) => {
  const handlers = (tapeMaxSizeKiB: number) =>
    createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB,
      publish: async () => {},
    });

  async function capacities(tapeMaxSizeKiB: number): Promise<Record<string, number>> {
    const { tapes } = await handlers(tapeMaxSizeKiB)["tapes-list"]({});
    return Object.fromEntries(tapes.map((tape) => [tape.barcode, tape.capacityKiB]));
  }

  it("keeps tape_max_size a cap once LTFS reported a formatted tape's larger capacity", async () => {
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAA001L9", state: "formatted" });
    await handlers(1000)["tape-update"]({ barcode: "AAA001L9", usedKiB: 10, capacityKiB: 5000 });
    expect(await capacities(1000)).toEqual({ AAA001L9: 1000 });
    expect((await handlers(1000).summary({})).tapes[0]).toMatchObject({ capacityKiB: 1000 });
    expect(await capacities(9000)).toEqual({ AAA001L9: 5000 });
  });

  it("gives a blank tape the library's stated capacity, else its LTO generation's, capped", async () => {
    const big = 100 * 1024 * GiB;
    await handlers(big)["tapes-record"]({
      cartridges: [
        { barcode: "SIM001L9", homeSlot: 1, cleaning: false, capacityKiB: GiB },
        { barcode: "AAA002L7", homeSlot: 2, cleaning: false },
        { barcode: "NOGEN3", homeSlot: 3, cleaning: false },
      ],
    });
    expect(await capacities(big)).toEqual({
      SIM001L9: GiB,
      // LTO-7: 6 TB native.
      AAA002L7: Math.floor(6e12 / 1024),
      NOGEN3: big,
    });
    expect(await capacities(GiB / 2)).toEqual({
      SIM001L9: GiB / 2,
      AAA002L7: GiB / 2,
      NOGEN3: GiB / 2,
    });
    // Once formatted, LTFS's figure stays: a later inventory does not overwrite it.
    await handlers(big)["tape-update"]({
      barcode: "SIM001L9",
      state: "formatted",
      usedKiB: 0,
      capacityKiB: GiB - 4096,
    });
    await handlers(big)["tapes-record"]({
      cartridges: [{ barcode: "SIM001L9", homeSlot: 1, cleaning: false, capacityKiB: GiB }],
    });
    expect((await capacities(big)).SIM001L9).toBe(GiB - 4096);
  });

  it("shows LTFS's used space when an incomplete copy took more than the archived folders", async () => {
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAA001L9", state: "formatted" });
    await handlers(GiB)["tape-update"]({
      barcode: "AAA001L9",
      state: "full",
      usedKiB: 963_000,
      capacityKiB: GiB - 4096,
    });
    const { tapes } = await handlers(GiB)["tapes-list"]({});
    expect(tapes[0]).toMatchObject({ barcode: "AAA001L9", usedKiB: 963_000 });
    expect((await handlers(GiB).summary({})).tapes[0]).toMatchObject({ usedKiB: 963_000 });
  });

  it("counts a sparse folder by its apparent size: refused where it does not fit, with a tape where it does", async () => {
    await upsertTape(catalog.db, {
      libraryId: "default",
      barcode: "SMALL1",
      homeSlot: 1,
      capacityKib: GiB,
    });
    await upsertTape(catalog.db, {
      libraryId: "default",
      barcode: "LARGE2",
      homeSlot: 2,
      capacityKib: 2 * GiB,
    });
    // `du -s` says 8 KiB; the file is 1.5 GB long, and LTFS stores it in full.
    await upsertPreparedFolder(catalog.db, {
      path: "/srv/sparse",
      description: "a disk image",
      sizeKib: 8,
      apparentBytes: 1_500_000_000,
      fileCount: 1,
      compressed: false,
      archivePath: null,
    });
    const catalogHandlers = handlers(100 * GiB);
    expect((await catalogHandlers.summary({})).prepared[0]).toMatchObject({
      path: "/srv/sparse",
      sizeKiB: 8,
      suggestedTape: "LARGE2",
    });
    await expect(
      catalogHandlers["job-create"]({
        kind: "archive",
        args: { folder: "/srv/sparse", tape: "SMALL1", targetName: "sparse" },
      }),
    ).rejects.toMatchObject({
      code: "TAPE_TOO_FULL",
      message: expect.stringContaining("1464844 KiB on tape"),
      hint: expect.stringContaining("fits on tape LARGE2"),
    });
    // With tape_max_size below it, it fits nowhere, and the hint says so.
    await expect(
      handlers(GiB)["job-create"]({
        kind: "archive",
        args: { folder: "/srv/sparse", tape: "LARGE2", targetName: "sparse" },
      }),
    ).rejects.toMatchObject({
      code: "TAPE_TOO_FULL",
      hint: expect.stringContaining("fits on no tape"),
    });
    expect((await handlers(GiB).summary({})).prepared[0]?.suggestedTape).toBeNull();
    expect(await catalog.db.selectFrom("jobs").select("id").execute()).toEqual([]);
  });

  it("releases the room of a failed archive job: a second archive to the same tape is accepted", async () => {
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAA002L9", homeSlot: 2 });
    await seedPrepared(catalog.db, "/srv/one", 600);
    await seedPrepared(catalog.db, "/srv/two", 600);
    const catalogHandlers = handlers(1000);
    await catalogHandlers["job-create"]({
      kind: "archive",
      args: { folder: "/srv/one", tape: "AAA002L9", targetName: "one" },
    });
    await failNextJob(catalog.db, "TAPE_TOO_FULL: the tape is full");
    const { job } = await catalogHandlers["job-create"]({
      kind: "archive",
      args: { folder: "/srv/two", tape: "AAA002L9", targetName: "two" },
    });
    expect(job).toMatchObject({ kind: "archive", state: "queued" });
    const summary = await catalogHandlers.summary({});
    expect(summary.tapes.find((tape) => tape.barcode === "AAA002L9")).toMatchObject({
      usedKiB: 0,
    });
  });
});
