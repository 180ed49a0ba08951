import { expect, it } from "vitest";
import { getTape, upsertTape } from "../../../services/catalog/db/index.ts";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { seedArchived } from "../gateway/support.ts";

/*
 * The catalog's side of [Device] simulate: the changer reports a simulated library's cartridges
 * as simulated, and every answer that lists tapes or archived folders carries the mark.
 */
forEachDatabase("tapes of a simulated library", (catalog) => {
  const handlers = () =>
    createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB: 1000,
      publish: async () => {},
    });

  it("are marked as the changer reports them; a report without the mark leaves it as it is", async () => {
    const h = handlers();
    await h["tapes-record"]({
      cartridges: [
        { barcode: "SIM001L9", homeSlot: 1, cleaning: false, simulated: true },
        { barcode: "AAA001L9", homeSlot: 2, cleaning: false, simulated: false },
        { barcode: "AAA002L9", homeSlot: 3, cleaning: false },
      ],
    });
    await h["tapes-record"]({
      cartridges: [{ barcode: "SIM001L9", homeSlot: 4, cleaning: false }],
    });
    const { tapes } = await h["tapes-list"]({});
    expect(tapes.map((tape) => [tape.barcode, tape.simulated, tape.homeSlot])).toEqual([
      ["AAA001L9", false, 2],
      ["AAA002L9", false, 3],
      ["SIM001L9", true, 4],
    ]);
  });

  it("mark their folders in summary and in the deleteable candidates", async () => {
    const h = handlers();
    await upsertTape(catalog.db, { libraryId: "default", barcode: "SIM001L9", simulated: true });
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAA001L9", simulated: false });
    await seedArchived(catalog.db, "/srv/sim", { tape: "SIM001L9", name: "sim", sizeKib: 1 });
    await seedArchived(catalog.db, "/srv/real", { tape: "AAA001L9", name: "real", sizeKib: 2 });

    const summary = await h.summary({});
    expect(
      summary.tapes.map((tape) => [
        tape.barcode,
        tape.simulated,
        tape.folders.map((folder) => [folder.path, folder.simulated]),
      ]),
    ).toEqual([
      ["AAA001L9", false, [["/srv/real", false]]],
      ["SIM001L9", true, [["/srv/sim", true]]],
    ]);
    const { folders } = await h["deleteable-candidates"]({});
    expect(folders.map((folder) => [folder.path, folder.tape, folder.simulated])).toEqual([
      ["/srv/real", "AAA001L9", false],
      ["/srv/sim", "SIM001L9", true],
    ]);
    expect((await getTape(catalog.db, "SIM001L9"))?.simulated).toBe(true);
  });
});
