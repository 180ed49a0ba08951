import type { Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import {
  type CatalogSchema,
  generationFromBarcode,
  getArchivedKiB,
  getTape,
  listTapesWithFolders,
  setFolderState,
  startPreparingFolder,
  updateTape,
  upsertTape,
} from "../../../services/catalog/db/index.ts";
import { recordCartridges } from "../../../services/catalog/tapes-view.ts";
import { forEachDatabase } from "../../helpers/databases.ts";

async function archive(
  db: Kysely<CatalogSchema>,
  path: string,
  sizeKib: number,
  tapeBarcode: string,
): Promise<number> {
  const folder = await startPreparingFolder(db, { path, description: `Folder ${path}` });
  await setFolderState(db, folder.id, {
    state: "prepared",
    sizeKib,
    fileCount: 10,
    compressed: false,
    archivePath: null,
  });
  await setFolderState(db, folder.id, {
    state: "archiving",
    targetName: path.slice(1).replaceAll("/", "_"),
  });
  await setFolderState(db, folder.id, { state: "archived", tapeBarcode });
  return folder.id;
}

describe("generationFromBarcode", () => {
  it.each([
    ["AAK788L9", "L9"],
    ["G20002L7", "L7"],
    ["RED001L6", "L6"],
    ["ABJ406M8", "M8"],
    ["CLN001CU", null],
    ["CLN670L1", null],
    ["ABC123LZ", null],
  ] as const)("reads %s as generation %s", (barcode, generation) => {
    expect(generationFromBarcode(barcode)).toBe(generation);
  });
});

forEachDatabase("tapes repository", (catalog) => {
  it("upsertTape adds a tape with the generation its barcode names and defaults for the rest", async () => {
    const tape = await upsertTape(catalog.db, {
      libraryId: "default",
      barcode: "ABJ406M8",
      homeSlot: 7,
    });
    expect(tape).toMatchObject({
      barcode: "ABJ406M8",
      generation: "M8",
      state: "blank",
      cleaning: false,
      homeSlot: 7,
      usedKib: null,
      capacityKib: null,
      volumeUuid: null,
      formattedAt: null,
    });
    expect(await getTape(catalog.db, "ABJ406M8")).toEqual(tape);
    expect(await getTape(catalog.db, "NOPE01L9")).toBeNull();
  });

  it("upsertTape changes only the fields it is given", async () => {
    await upsertTape(catalog.db, {
      libraryId: "default",
      barcode: "AAK788L9",
      homeSlot: 3,
      capacityKib: 17_138_671_616,
    });
    const formattedAt = new Date("2026-11-01T08:30:00.000Z");
    const formatted = await upsertTape(catalog.db, {
      libraryId: "default",
      barcode: "AAK788L9",
      state: "formatted",
      volumeSerial: "AAK788",
      volumeUuid: "3b6e2a3c-6d1f-4c1e-9a55-2f0f6c7d8e9a",
      formattedAt,
    });
    expect(formatted).toMatchObject({
      barcode: "AAK788L9",
      generation: "L9",
      state: "formatted",
      homeSlot: 3,
      capacityKib: 17_138_671_616,
      volumeSerial: "AAK788",
      volumeUuid: "3b6e2a3c-6d1f-4c1e-9a55-2f0f6c7d8e9a",
      formattedAt,
    });
    expect(await upsertTape(catalog.db, { libraryId: "default", barcode: "AAK788L9" })).toEqual(
      formatted,
    );
  });

  it("keeps a tape's simulated mark once set: an inventory or update saying false leaves it", async () => {
    // As a simulated library's inventory records it, then a start without simulate = yes.
    await recordCartridges(
      catalog.db,
      [{ barcode: "SIM001L9", homeSlot: 1, cleaning: false, simulated: true }],
      "default",
    );
    await recordCartridges(
      catalog.db,
      [{ barcode: "SIM001L9", homeSlot: 2, cleaning: false, simulated: false }],
      "default",
    );
    expect(await getTape(catalog.db, "SIM001L9")).toMatchObject({ homeSlot: 2, simulated: true });
    await upsertTape(catalog.db, {
      libraryId: "default",
      barcode: "SIM001L9",
      simulated: false,
      usedKib: 10,
    });
    await updateTape(catalog.db, { barcode: "SIM001L9", simulated: false, state: "formatted" });
    expect(await getTape(catalog.db, "SIM001L9")).toMatchObject({
      usedKib: 10,
      state: "formatted",
      simulated: true,
    });

    // A real tape stays real until a simulated library reports it; then it is marked for good.
    await recordCartridges(
      catalog.db,
      [{ barcode: "REA001L9", homeSlot: 3, cleaning: false }],
      "default",
    );
    expect(await getTape(catalog.db, "REA001L9")).toMatchObject({ simulated: false });
    await updateTape(catalog.db, { barcode: "REA001L9", simulated: true });
    expect(await getTape(catalog.db, "REA001L9")).toMatchObject({ simulated: true });
    await upsertTape(catalog.db, { libraryId: "default", barcode: "REB001L9", simulated: false });
    await upsertTape(catalog.db, { libraryId: "default", barcode: "REB001L9", simulated: true });
    expect(await getTape(catalog.db, "REB001L9")).toMatchObject({ simulated: true });
  });

  it("getArchivedKiB sums the sizes of the tape's archived folders only", async () => {
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAK788L9" });
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAK789L9" });
    await archive(catalog.db, "/data/a", 8_000_000_000, "AAK788L9");
    await archive(catalog.db, "/data/b", 9_000_000_000, "AAK788L9");
    const failedLater = await archive(catalog.db, "/data/c", 500, "AAK788L9");
    await setFolderState(catalog.db, failedLater, {
      state: "failed",
      error: "Fixity check failed.",
    });
    await archive(catalog.db, "/data/d", 42, "AAK789L9");
    expect(await getArchivedKiB(catalog.db, "AAK788L9")).toBe(17_000_000_000);
    expect(await getArchivedKiB(catalog.db, "AAK789L9")).toBe(42);
    expect(await getArchivedKiB(catalog.db, "EMPTY1L9")).toBe(0);
  });

  it("listTapesWithFolders gives each data tape with its folders, the largest first, and leaves out cleaning tapes", async () => {
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAK789L9" });
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAK788L9" });
    await upsertTape(catalog.db, { libraryId: "default", barcode: "CLN001CU", cleaning: true });
    await archive(catalog.db, "/data/small", 100, "AAK788L9");
    await archive(catalog.db, "/data/large", 5_000_000_000, "AAK788L9");
    const bad = await archive(catalog.db, "/data/bad", 70, "AAK788L9");
    await setFolderState(catalog.db, bad, { state: "failed", error: "Fixity check failed." });
    const tapes = await listTapesWithFolders(catalog.db);
    expect(
      tapes.map((tape) => ({
        barcode: tape.barcode,
        archivedKib: tape.archivedKib,
        folders: tape.folders.map((folder) => `${folder.path} ${folder.state}`),
      })),
    ).toEqual([
      {
        barcode: "AAK788L9",
        archivedKib: 5_000_000_100,
        folders: ["/data/large archived", "/data/small archived", "/data/bad failed"],
      },
      { barcode: "AAK789L9", archivedKib: 0, folders: [] },
    ]);
  });

  it("the database refuses a tape generation outside the LTO list and a lowercase barcode", async () => {
    await expect(
      upsertTape(catalog.db, { libraryId: "default", barcode: "abc123L9" }),
    ).rejects.toMatchObject({
      code: "23514",
    });
    await expect(
      catalog.db
        .insertInto("tapes")
        .values({ barcode: "ABC123L4", libraryId: "default", generation: "L4" as never })
        .execute(),
    ).rejects.toMatchObject({ code: "23514" });
  });
});
