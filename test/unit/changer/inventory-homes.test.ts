import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { inventoryOf, keepKnownHomes } from "../../../services/changer/index.ts";
import {
  type DriveStatus,
  type LibraryStatus,
  parseMtxStatus,
  parseMtxStatusLine,
} from "../../../shared/hardware/mtx/index.ts";

/*
 * A real IBM 03584 reports a loaded drive as "Unknown Storage Element Loaded": mtx does not say
 * which slot the tape came from. The inventory must not erase the home the catalog knows.
 */

const unknownSourceLine = readFileSync(
  new URL(
    "../../fixtures/real/mtx/line-drive-full-unknown-storage-element-ibm03584.txt",
    import.meta.url,
  ),
  "utf8",
).trim();

function libraryWithUnknownSource(): LibraryStatus {
  const base = parseMtxStatus(
    readFileSync(
      new URL(
        "../../fixtures/real/mtx/status-ibm03584-3drv-24slot-4ie-short-barcodes-padded-drive.txt",
        import.meta.url,
      ),
      "utf8",
    ),
  );
  const parsed = parseMtxStatusLine(unknownSourceLine);
  if (parsed?.kind !== "drive") throw new Error("the fixture line is not a drive line");
  const drive: DriveStatus = { ...parsed.drive, index: 2 };
  return { ...base, drives: base.drives.map((d) => (d.index === 2 ? drive : d)) };
}

describe("keepKnownHomes", () => {
  it("keeps the catalog's home for a tape whose drive does not say where it came from", () => {
    const library = libraryWithUnknownSource();
    const { cartridges } = inventoryOf(library);
    expect(cartridges.find((c) => c.barcode === "G20002L7")).toEqual({
      barcode: "G20002L7",
      homeSlot: null,
      cleaning: false,
    });
    const kept = keepKnownHomes(cartridges, library, new Map([["G20002L7", 7]]));
    expect(kept.find((c) => c.barcode === "G20002L7")?.homeSlot).toBe(7);
    // A tape whose drive names its source slot keeps what mtx says.
    expect(kept.find((c) => c.barcode === "BRU003")?.homeSlot).toBe(12);
  });

  it("leaves a tape in an import/export slot without a home, whatever the catalog had", () => {
    const library = parseMtxStatus(
      readFileSync(
        new URL(
          "../../fixtures/real/mtx/status-hera-2drv-24slot-1ie-lto9-two-drives-same-source-slot.txt",
          import.meta.url,
        ),
        "utf8",
      ),
    );
    const { cartridges } = inventoryOf(library);
    const kept = keepKnownHomes(cartridges, library, new Map([["HER003L9", 3]]));
    expect(kept.find((c) => c.barcode === "HER003L9")).toEqual({
      barcode: "HER003L9",
      homeSlot: null,
      cleaning: false,
    });
  });
});
