import type { Kysely } from "kysely";
import { expect, it } from "vitest";
import {
  type CatalogSchema,
  canMoveFolder,
  type FolderRow,
  type FolderState,
  findFolderByPath,
  getFolder,
  listArchivedFolders,
  listPreparedFolders,
  returnFolderToPrepared,
  setFolderState,
  startPreparingFolder,
  upsertPreparedFolder,
  upsertTape,
} from "../../../services/catalog/db/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";

const MEASURED = { sizeKib: 1_048_576, fileCount: 1200, compressed: false, archivePath: null };

/** A folder walked through legal transitions until it is in `state`. */
async function folderIn(
  db: Kysely<CatalogSchema>,
  state: FolderState,
  path = "/data/projects/alpha",
): Promise<FolderRow> {
  let folder = await startPreparingFolder(db, { path, description: "Project alpha" });
  if (state === "preparing") return folder;
  if (state === "failed")
    return setFolderState(db, folder.id, { state: "failed", error: "du failed" });
  folder = await setFolderState(db, folder.id, { state: "prepared", ...MEASURED });
  if (state === "prepared") return folder;
  folder = await setFolderState(db, folder.id, {
    state: "archiving",
    targetName: "projects_alpha",
  });
  if (state === "archiving") return folder;
  await upsertTape(db, { libraryId: "default", barcode: "AAK788L9" });
  return setFolderState(db, folder.id, { state: "archived", tapeBarcode: "AAK788L9" });
}

async function rejection(promise: Promise<unknown>): Promise<PytarchiveError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PytarchiveError);
  return error as PytarchiveError;
}

forEachDatabase("folders repository", (catalog) => {
  it("startPreparingFolder records a new folder as preparing, without size or tape", async () => {
    const folder = await startPreparingFolder(catalog.db, {
      path: "/data/projects/alpha",
      description: "Project alpha, 2019-2021",
      compressed: true,
    });
    expect(folder).toMatchObject({
      path: "/data/projects/alpha",
      description: "Project alpha, 2019-2021",
      state: "preparing",
      compressed: true,
      sizeKib: null,
      fileCount: null,
      archivePath: null,
      targetName: null,
      tapeBarcode: null,
      archivedAt: null,
      verifiedAt: null,
    });
    expect(await findFolderByPath(catalog.db, "/data/projects/alpha")).toEqual(folder);
    expect(await findFolderByPath(catalog.db, "/data/projects/beta")).toBeNull();
  });

  it("walks a folder through preparing, prepared, archiving and archived, recording what each step learnt", async () => {
    const preparing = await startPreparingFolder(catalog.db, {
      path: "/data/users/anna/thesis",
      description: "Anna's thesis",
    });
    const prepared = await setFolderState(catalog.db, preparing.id, {
      state: "prepared",
      sizeKib: 17_138_671_000,
      fileCount: 612_345,
      compressed: true,
      archivePath: "/scratch/users_anna_thesis.tar",
    });
    expect(prepared).toMatchObject({
      state: "prepared",
      sizeKib: 17_138_671_000,
      fileCount: 612_345,
      compressed: true,
      archivePath: "/scratch/users_anna_thesis.tar",
    });
    const archiving = await setFolderState(catalog.db, preparing.id, {
      state: "archiving",
      targetName: "users_anna_thesis",
    });
    expect(archiving).toMatchObject({
      state: "archiving",
      targetName: "users_anna_thesis",
      tapeBarcode: null,
    });
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAK788L9" });
    const verifiedAt = new Date("2026-11-20T10:00:00.000Z");
    const archived = await setFolderState(catalog.db, preparing.id, {
      state: "archived",
      tapeBarcode: "AAK788L9",
      verifiedAt,
    });
    expect(archived).toMatchObject({ state: "archived", tapeBarcode: "AAK788L9", verifiedAt });
    expect(archived.archivedAt).toBeInstanceOf(Date);
    expect(archived.updatedAt.getTime()).toBeGreaterThanOrEqual(preparing.updatedAt.getTime());
    expect(await listArchivedFolders(catalog.db)).toEqual([archived]);
    expect(await listPreparedFolders(catalog.db)).toEqual([]);
  });

  it.each([
    ["preparing", "archiving"],
    ["preparing", "archived"],
    ["prepared", "archived"],
    ["prepared", "preparing"],
    ["archiving", "prepared"],
    ["archiving", "preparing"],
    ["archived", "preparing"],
    ["archived", "archiving"],
    ["failed", "prepared"],
    ["failed", "archived"],
  ] as const)(
    "refuses to move a folder from %s to %s and leaves it unchanged",
    async (from, to) => {
      const folder = await folderIn(catalog.db, from);
      const transitions = {
        preparing: { state: "preparing" },
        prepared: { state: "prepared", ...MEASURED },
        archiving: { state: "archiving", targetName: "other_name" },
        archived: { state: "archived", tapeBarcode: "AAK788L9" },
      } as const;
      const error = await rejection(setFolderState(catalog.db, folder.id, transitions[to]));
      expect(error.code).toBe("FOLDER_STATE_TRANSITION");
      expect(error.message).toMatch(
        new RegExp(
          `^Folder /data/projects/alpha cannot go from ${from} to ${to}: only a folder that is [a-z ]+ can\\.$`,
        ),
      );
      expect(error.hint).toBeTruthy();
      expect(await getFolder(catalog.db, folder.id)).toEqual(folder);
    },
  );

  it("an archive that ended without archiving takes its folder back to prepared, as the table says, measurements kept; no other state goes that way", async () => {
    expect(canMoveFolder("archiving", "prepared")).toBe(true);
    const archiving = await folderIn(catalog.db, "archiving");
    const back = await returnFolderToPrepared(catalog.db, archiving.id);
    expect(back).toMatchObject({ state: "prepared", sizeKib: archiving.sizeKib, error: null });
    for (const state of ["preparing", "failed", "archived"] as const) {
      const path = `/data/projects/${state}`;
      const folder = await folderIn(catalog.db, state, path);
      expect(await returnFolderToPrepared(catalog.db, folder.id)).toBeNull();
      expect(await getFolder(catalog.db, folder.id)).toEqual(folder);
    }
  });

  it("names the states that allow a move in the refusal", async () => {
    const folder = await folderIn(catalog.db, "preparing");
    const error = await rejection(
      setFolderState(catalog.db, folder.id, { state: "archiving", targetName: "x" }),
    );
    expect(error.message).toBe(
      "Folder /data/projects/alpha cannot go from preparing to archiving: only a folder that is prepared or failed can.",
    );
    expect(error.hint).toBe("Wait for its prepare job to finish (`pytarchive queue`).");
  });

  it.each(["preparing", "prepared", "archiving", "archived", "failed"] as const)(
    "a %s folder can fail, keeping the error",
    async (from) => {
      const folder = await folderIn(catalog.db, from);
      const failed = await setFolderState(catalog.db, folder.id, {
        state: "failed",
        error: "Verification found 3 files that differ.",
      });
      expect(failed).toMatchObject({
        state: "failed",
        error: "Verification found 3 files that differ.",
      });
    },
  );

  it("a failed folder is retried from preparing or from archiving, and the error is cleared", async () => {
    const failedPrepare = await folderIn(catalog.db, "failed", "/data/a");
    expect(
      await setFolderState(catalog.db, failedPrepare.id, { state: "preparing" }),
    ).toMatchObject({
      state: "preparing",
      error: null,
    });
    const archiving = await folderIn(catalog.db, "archiving", "/data/b");
    await setFolderState(catalog.db, archiving.id, {
      state: "failed",
      error: "Tape AAK788L9 is full.",
    });
    expect(
      await setFolderState(catalog.db, archiving.id, { state: "archiving", targetName: "data_b" }),
    ).toMatchObject({
      state: "archiving",
      error: null,
      targetName: "data_b",
      sizeKib: MEASURED.sizeKib,
    });
  });

  it("setFolderState on an unknown folder fails with FOLDER_NOT_FOUND", async () => {
    const error = await rejection(setFolderState(catalog.db, 987_654, { state: "preparing" }));
    expect(error.code).toBe("FOLDER_NOT_FOUND");
    expect(error.message).toBe("No folder with id 987654 in the catalog.");
  });

  it("refuses a second archived folder of the same name on one tape, but allows it on another tape", async () => {
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAK788L9" });
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAK789L9" });
    const first = await folderIn(catalog.db, "archiving", "/data/2021/alpha");
    await setFolderState(catalog.db, first.id, { state: "archived", tapeBarcode: "AAK788L9" });
    const second = await folderIn(catalog.db, "prepared", "/old/2021/alpha");
    await setFolderState(catalog.db, second.id, {
      state: "archiving",
      targetName: "projects_alpha",
    });

    const error = await rejection(
      setFolderState(catalog.db, second.id, { state: "archived", tapeBarcode: "AAK788L9" }),
    );
    expect(error.code).toBe("NAME_TAKEN_ON_TAPE");
    expect(error.message).toBe(
      "Tape AAK788L9 already holds an archived folder named projects_alpha (from /data/2021/alpha); /old/2021/alpha was not marked archived.",
    );
    expect((await getFolder(catalog.db, second.id))?.state).toBe("archiving");

    const elsewhere = await setFolderState(catalog.db, second.id, {
      state: "archived",
      tapeBarcode: "AAK789L9",
    });
    expect(elsewhere).toMatchObject({
      state: "archived",
      tapeBarcode: "AAK789L9",
      targetName: "projects_alpha",
    });
  });

  it("startPreparingFolder restarts a failed folder but refuses one that is already prepared", async () => {
    const failed = await folderIn(catalog.db, "failed");
    const again = await startPreparingFolder(catalog.db, {
      path: "/data/projects/alpha",
      description: "Project alpha, second try",
    });
    expect(again).toMatchObject({
      id: failed.id,
      state: "preparing",
      error: null,
      description: "Project alpha, second try",
    });
    await setFolderState(catalog.db, again.id, { state: "prepared", ...MEASURED });
    const error = await rejection(
      startPreparingFolder(catalog.db, { path: "/data/projects/alpha", description: "third" }),
    );
    expect(error.code).toBe("FOLDER_ALREADY_KNOWN");
    expect(error.message).toBe(
      "Folder /data/projects/alpha is already prepared; it is not prepared again.",
    );
    expect((await getFolder(catalog.db, failed.id))?.description).toBe("Project alpha, second try");
  });

  it("upsertPreparedFolder records a measured folder and measures a prepared one again", async () => {
    const first = await upsertPreparedFolder(catalog.db, {
      path: "/data/projects/beta",
      description: "Project beta",
      ...MEASURED,
    });
    expect(first).toMatchObject({ state: "prepared", sizeKib: MEASURED.sizeKib, fileCount: 1200 });
    const remeasured = await upsertPreparedFolder(catalog.db, {
      path: "/data/projects/beta",
      description: "Project beta",
      sizeKib: 2_000_000,
      fileCount: 1300,
      compressed: false,
      archivePath: null,
    });
    expect(remeasured).toMatchObject({ id: first.id, sizeKib: 2_000_000, fileCount: 1300 });
    const archived = await folderIn(catalog.db, "archived", "/data/projects/gamma");
    const error = await rejection(
      upsertPreparedFolder(catalog.db, { path: archived.path, description: "again", ...MEASURED }),
    );
    expect(error.code).toBe("FOLDER_ALREADY_KNOWN");
    expect(error.message).toBe(
      "Folder /data/projects/gamma is already archived; it cannot be marked prepared again.",
    );
  });

  it("lists prepared folders newest first and archived folders by tape and name", async () => {
    const older = await folderIn(catalog.db, "prepared", "/data/older");
    const newer = await folderIn(catalog.db, "prepared", "/data/newer");
    await folderIn(catalog.db, "preparing", "/data/busy");
    expect((await listPreparedFolders(catalog.db)).map((folder) => folder.path)).toEqual([
      newer.path,
      older.path,
    ]);
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAA001L9" });
    for (const [path, name, tape] of [
      ["/x/1", "zeta", "AAK788L9"],
      ["/x/2", "Beta", "AAK788L9"],
      ["/x/3", "alpha", "AAK788L9"],
      ["/x/4", "omega", "AAA001L9"],
    ] as const) {
      const folder = await folderIn(catalog.db, "prepared", path);
      await setFolderState(catalog.db, folder.id, { state: "archiving", targetName: name });
      await upsertTape(catalog.db, { libraryId: "default", barcode: tape });
      await setFolderState(catalog.db, folder.id, { state: "archived", tapeBarcode: tape });
    }
    expect(
      (await listArchivedFolders(catalog.db)).map(
        (folder) => `${folder.tapeBarcode}/${folder.targetName}`,
      ),
    ).toEqual(["AAA001L9/omega", "AAK788L9/Beta", "AAK788L9/alpha", "AAK788L9/zeta"]);
  });

  it("the database itself refuses a relative path and a name on tape with a slash", async () => {
    await expect(
      startPreparingFolder(catalog.db, { path: "data/projects", description: "relative" }),
    ).rejects.toMatchObject({ code: "23514" });
    const folder = await folderIn(catalog.db, "prepared");
    await expect(
      setFolderState(catalog.db, folder.id, { state: "archiving", targetName: "a/b" }),
    ).rejects.toMatchObject({ code: "23514" });
    expect((await getFolder(catalog.db, folder.id))?.state).toBe("prepared");
  });
});
