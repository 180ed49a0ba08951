import { expect, it } from "vitest";
import { upsertPreparedFolder, upsertTape } from "../../../services/catalog/db/index.ts";
import { createCatalogHandlers } from "../../../services/catalog/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";
import { failNextJob } from "../gateway/support.ts";

/*
 * Issue 14, the original's habits: `summary` keeps its sections for folders being prepared and
 * queued for archiving (with the tape), and the "as of" date of each measured size.
 */

forEachDatabase("summary's sections as the original had them", (catalog) => {
  const handlers = () =>
    createCatalogHandlers({
      libraryId: "default",
      db: catalog.db,
      tapeMaxSizeKiB: 10_000_000,
      publish: async () => {},
    });

  it("lists being prepared, prepared with its date, and queued for archiving with its tape", async () => {
    await upsertTape(catalog.db, { libraryId: "default", barcode: "AAA001L9", state: "formatted" });
    const before = Date.now();
    for (const path of ["/srv/alpha", "/srv/delta", "/srv/gamma"]) {
      await upsertPreparedFolder(catalog.db, {
        path,
        description: path,
        sizeKib: 100,
        fileCount: 1,
        compressed: false,
        archivePath: null,
      });
    }
    const archive = (path: string) =>
      handlers()["job-create"]({
        kind: "archive",
        args: { folder: path, tape: "AAA001L9", targetName: path.slice(5) },
      });
    // A failed archive leaves its folder prepared, as in the original.
    await archive("/srv/gamma");
    await failNextJob(catalog.db, "tape gone");
    const { job: queued } = await archive("/srv/delta");
    await handlers()["job-create"]({
      kind: "prepare",
      args: { folder: "/srv/new", description: "New one", compress: false },
    });

    const summary = await handlers().summary({});
    expect(summary.preparing).toEqual([{ path: "/srv/new", description: "New one" }]);
    expect(summary.archiving).toEqual([
      {
        path: "/srv/delta",
        description: "/srv/delta",
        sizeKiB: 100,
        measuredAt: expect.any(String),
        tape: "AAA001L9",
        jobId: queued.id,
        state: "queued",
      },
    ]);
    expect(summary.prepared.map((folder) => folder.path).sort()).toEqual([
      "/srv/alpha",
      "/srv/gamma",
    ]);
    const measured = Date.parse(summary.prepared[0]?.measuredAt ?? "");
    expect(measured).toBeGreaterThanOrEqual(before - 1000);
    expect(measured).toBeLessThanOrEqual(Date.now() + 1000);
  });
});
