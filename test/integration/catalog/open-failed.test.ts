import { describe, expect, it } from "vitest";
import { openPGliteCatalogDatabase } from "../../../services/catalog/db/index.ts";

describe("opening the embedded catalog", () => {
  it("fails with CATALOG_OPEN_FAILED when its data cannot be loaded, saying what to check", async () => {
    const damaged = new Blob(["this is not a PGlite data folder dump"]);
    await expect(
      openPGliteCatalogDatabase({ dataDir: null, loadDataDir: damaged }),
    ).rejects.toMatchObject({
      code: "CATALOG_OPEN_FAILED",
      message: expect.stringMatching(/^Cannot open the embedded catalog in memory: /),
    });
  });
});
