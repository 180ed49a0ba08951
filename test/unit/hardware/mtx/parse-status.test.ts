import fs from "node:fs";
import { describe, expect, it } from "vitest";
import {
  findTape,
  isCleaningTape,
  type LibraryStatus,
  MtxParseError,
  MtxStatusIncompleteError,
  parseMtxStatus,
  parseMtxStatusLine,
} from "../../../../shared/hardware/mtx/index.ts";
import { MTX_FIXTURE_DIR, readMtxFixture } from "./read-fixture.ts";

const covered = new Set<string>();

/** A test on one captured output; the fixture's name is in the title and counted as covered. */
function onFixture(name: string, behaviour: string, test: (text: string) => void): void {
  covered.add(name);
  it(`${name}: ${behaviour}`, () => test(readMtxFixture(name)));
}

function slot(status: LibraryStatus, index: number) {
  return status.slots.find((s) => s.index === index);
}

function parseError(run: () => unknown): MtxParseError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MtxParseError);
    return error as MtxParseError;
  }
  throw new Error("expected an MtxParseError");
}

describe("parseMtxStatus on real status outputs", () => {
  onFixture(
    "status-pbs-test-2drv-24slot-4ie-cln-cu.txt",
    "reads a by-id device, CLN…CU cleaning tapes, odd barcodes and 4 I/E slots",
    (text) => {
      const status = parseMtxStatus(text);
      expect(status.device).toBe("/dev/tape/by-id/scsi-387408F60F0000");
      expect([status.driveCount, status.slotCount, status.importExportCount]).toEqual([2, 24, 4]);
      expect(status.drives).toEqual([
        { index: 0, full: false, barcode: null, sourceSlot: null },
        { index: 1, full: false, barcode: null, sourceSlot: null },
      ]);
      expect(status.slots.slice(0, 6)).toEqual([
        { index: 1, full: true, barcode: "CLN002CU", importExport: false },
        { index: 2, full: true, barcode: "test22L1", importExport: false },
        { index: 3, full: true, barcode: "test23L1", importExport: false },
        { index: 4, full: true, barcode: "CLN001CU", importExport: false },
        { index: 5, full: true, barcode: "test1", importExport: false },
        { index: 6, full: false, barcode: null, importExport: false },
      ]);
      expect(status.slots.filter((s) => s.importExport).map((s) => s.index)).toEqual([
        21, 22, 23, 24,
      ]);
      expect(status.slots.filter((s) => s.full)).toHaveLength(5);
      expect(status.truncated).toBeUndefined();
      expect(isCleaningTape(slot(status, 1)?.barcode ?? null)).toBe(true);
      expect(isCleaningTape(slot(status, 2)?.barcode ?? null)).toBe(false);
    },
  );

  onFixture(
    "status-pytarchive-1drv-24slot-lto9-drive-loaded-trailing-spaces.txt",
    "finds the tape from slot 24 in drive 0 and trims 23-space padding",
    (text) => {
      const status = parseMtxStatus(text);
      expect(status.device).toBe("/dev/sch0");
      expect([status.driveCount, status.slotCount, status.importExportCount]).toEqual([1, 24, 0]);
      expect(status.drives).toEqual([
        { index: 0, full: true, barcode: "AAK787L9", sourceSlot: 24 },
      ]);
      expect(slot(status, 1)).toEqual({
        index: 1,
        full: true,
        barcode: "AAK788L9",
        importExport: false,
      });
      expect(slot(status, 2)?.barcode).toBe("CLN670L1");
      expect(slot(status, 24)).toEqual({
        index: 24,
        full: false,
        barcode: null,
        importExport: false,
      });
      expect(status.slots.some((s) => s.importExport)).toBe(false);
      expect(findTape(status, "AAK787L9")).toEqual({ kind: "drive", drive: 0, sourceSlot: 24 });
      expect(findTape(status, "AAK798L9")).toEqual({
        kind: "slot",
        slot: 23,
        importExport: false,
      });
    },
  );

  onFixture(
    "status-pytarchive-1drv-24slot-lto9-drive-empty-trailing-spaces.txt",
    "sees drive 0 empty and the tape back in slot 24",
    (text) => {
      const status = parseMtxStatus(text);
      expect(status.drives).toEqual([{ index: 0, full: false, barcode: null, sourceSlot: null }]);
      expect(slot(status, 24)).toEqual({
        index: 24,
        full: true,
        barcode: "AAK787L9",
        importExport: false,
      });
      expect(status.slots.every((s) => s.full)).toBe(true);
      expect(findTape(status, "AAK787L9")).toEqual({
        kind: "slot",
        slot: 24,
        importExport: false,
      });
    },
  );

  onFixture(
    "status-mhvtl-4drv-37slot-4ie-mixed-media.txt",
    "reads 4 empty drives, mixed SDLT/LTO/8mm media, cleaning tapes and I/E slots 34-37",
    (text) => {
      const status = parseMtxStatus(text);
      expect(status.device).toBe("/dev/sg6");
      expect([status.driveCount, status.slotCount, status.importExportCount]).toEqual([4, 37, 4]);
      expect(status.drives.map((d) => [d.index, d.full])).toEqual([
        [0, false],
        [1, false],
        [2, false],
        [3, false],
      ]);
      expect(slot(status, 1)?.barcode).toBe("SDLT01S3");
      expect(slot(status, 10)).toEqual({
        index: 10,
        full: false,
        barcode: null,
        importExport: false,
      });
      expect(slot(status, 14)?.barcode).toBe("ULT004L4");
      expect(slot(status, 21)?.barcode).toBe("8MM001X4");
      expect(status.slots.filter((s) => isCleaningTape(s.barcode)).map((s) => s.barcode)).toEqual([
        "CLN001L1",
        "CLN002L1",
        "CLN003L1",
      ]);
      expect(status.slots.filter((s) => s.importExport).map((s) => [s.index, s.full])).toEqual([
        [34, false],
        [35, false],
        [36, false],
        [37, false],
      ]);
      expect(status.slots.filter((s) => s.full)).toHaveLength(25);
    },
  );

  onFixture(
    "status-ibm03584-3drv-24slot-4ie-short-barcodes-padded-drive.txt",
    "reads a by-id device with underscores, 5-6 character barcodes and a drive tag padded by 114 spaces",
    (text) => {
      const status = parseMtxStatus(text);
      expect(status.device).toBe("/dev/tape/by-id/scsi-1IBM_03584L32_0000079313020400");
      expect([status.driveCount, status.slotCount, status.importExportCount]).toEqual([3, 24, 4]);
      expect(status.drives).toEqual([
        { index: 0, full: true, barcode: "BRU003", sourceSlot: 12 },
        { index: 1, full: false, barcode: null, sourceSlot: null },
        { index: 2, full: false, barcode: null, sourceSlot: null },
      ]);
      expect(slot(status, 7)?.barcode).toBe("UA001");
      expect(slot(status, 11)?.barcode).toBe("BRU002");
      expect(slot(status, 12)?.full).toBe(false);
      expect(status.slots.filter((s) => s.importExport).map((s) => s.index)).toEqual([
        21, 22, 23, 24,
      ]);
      expect(findTape(status, "BRU003")).toEqual({ kind: "drive", drive: 0, sourceSlot: 12 });
    },
  );

  onFixture(
    "status-ibm-ts4500-3drv-1840slot-255ie-lto10-empty-slots-blank-tag-TRUNCATED.txt",
    "is refused as incomplete by default, and read as truncated when allowed",
    (text) => {
      let refused: unknown;
      try {
        parseMtxStatus(text);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(MtxStatusIncompleteError);
      const incomplete = refused as MtxStatusIncompleteError;
      expect(incomplete.code).toBe("MTX_STATUS_INCOMPLETE");
      expect(incomplete.expected).toEqual({ drives: 3, slots: 1840, importExport: 255 });
      expect(incomplete.found).toEqual({ drives: 3, slots: 48, importExport: 0 });
      expect(incomplete.message).toContain("1840 slots");

      const status = parseMtxStatus(text, { allowTruncated: true });
      expect(status.truncated).toBe(true);
      expect(status.device).toBe("/dev/sg1");
      expect([status.driveCount, status.slotCount, status.importExportCount]).toEqual([
        3, 1840, 255,
      ]);
      expect(status.drives.every((d) => !d.full)).toBe(true);
      expect(status.slots).toHaveLength(48);
      expect(slot(status, 1)?.barcode).toBe("IBM006LA");
      expect(slot(status, 6)?.barcode).toBe("IBM015LA");
      // "Empty:VolumeTag=" followed by 36 spaces
      expect(slot(status, 3)).toEqual({
        index: 3,
        full: false,
        barcode: null,
        importExport: false,
      });
      expect(status.slots.filter((s) => s.full).map((s) => s.index)).toEqual([1, 2, 4, 5, 6]);
    },
  );

  onFixture(
    "status-hera-2drv-24slot-1ie-lto9-two-drives-same-source-slot.txt",
    "keeps both drives claiming source slot 8, and keeps drives apart from slots",
    (text) => {
      const status = parseMtxStatus(text);
      expect(status.device).toBe("/dev/sg25");
      expect([status.driveCount, status.slotCount, status.importExportCount]).toEqual([2, 24, 1]);
      expect(status.drives).toEqual([
        { index: 0, full: true, barcode: "042142L9", sourceSlot: 8 },
        { index: 1, full: true, barcode: "HER002L9", sourceSlot: 8 },
      ]);
      expect(slot(status, 1)?.barcode).toBe("HER006L9");
      expect(slot(status, 8)).toEqual({
        index: 8,
        full: false,
        barcode: null,
        importExport: false,
      });
      expect(slot(status, 24)).toEqual({
        index: 24,
        full: true,
        barcode: "HER003L9",
        importExport: true,
      });
      expect(isCleaningTape(slot(status, 12)?.barcode ?? null)).toBe(true);
      expect(findTape(status, "042142L9")).toEqual({ kind: "drive", drive: 0, sourceSlot: 8 });
      expect(findTape(status, "HER003L9")).toEqual({
        kind: "slot",
        slot: 24,
        importExport: true,
      });
      expect(findTape(status, "HER999L9")).toBeNull();
    },
  );

  onFixture(
    "status-freebsd-pass-ibm3361-2drv-38slot-36ie-full-without-tag.txt",
    "counts 36 I/E slots among 38 and reads an I/E slot that is full without a barcode",
    (text) => {
      const status = parseMtxStatus(text);
      expect(status.device).toBe("/dev/pass2");
      expect([status.driveCount, status.slotCount, status.importExportCount]).toEqual([2, 38, 36]);
      expect(status.slots.filter((s) => s.importExport)).toHaveLength(36);
      expect(slot(status, 1)).toEqual({
        index: 1,
        full: false,
        barcode: null,
        importExport: false,
      });
      expect(slot(status, 3)).toEqual({
        index: 3,
        full: true,
        barcode: "UN0101L3",
        importExport: true,
      });
      expect(slot(status, 6)).toEqual({ index: 6, full: true, barcode: null, importExport: true });
      expect(slot(status, 38)).toEqual({
        index: 38,
        full: false,
        barcode: null,
        importExport: true,
      });
    },
  );

  onFixture(
    "status-pve-sch0-2drv-24slot-1ie-lto5-sparse.txt",
    "reads a sparse library with drive 0 loaded from slot 22",
    (text) => {
      const status = parseMtxStatus(text);
      expect(status.device).toBe("/dev/sch0");
      expect([status.driveCount, status.slotCount, status.importExportCount]).toEqual([2, 24, 1]);
      expect(status.drives).toEqual([
        { index: 0, full: true, barcode: "000057L5", sourceSlot: 22 },
        { index: 1, full: false, barcode: null, sourceSlot: null },
      ]);
      expect(slot(status, 22)?.full).toBe(false);
      expect(status.slots.filter((s) => s.full).map((s) => [s.index, s.barcode])).toEqual([
        [13, "000052L5"],
        [15, "000055L5"],
        [16, "000054L5"],
        [17, "000051L5"],
        [20, "000053L5"],
        [21, "000050L5"],
      ]);
      expect(slot(status, 24)).toEqual({
        index: 24,
        full: false,
        barcode: null,
        importExport: true,
      });
    },
  );

  onFixture(
    "status-tandberg-1drv-7slot-unit-attention-asc28-then-success.txt",
    "skips the Unit Attention Request Sense and Mode sense line before the status",
    (text) => {
      const status = parseMtxStatus(text);
      expect(status.device).toBe("/dev/sg5");
      expect([status.driveCount, status.slotCount, status.importExportCount]).toEqual([1, 7, 0]);
      expect(status.drives).toEqual([{ index: 0, full: false, barcode: null, sourceSlot: null }]);
      expect(status.slots.map((s) => s.barcode)).toEqual([
        "000711L4",
        "A00008L5",
        "A00034L5",
        "A00014L5",
        "A00036L5",
        "A00025L5",
        "000218L5",
      ]);
    },
  );
});

describe("parseMtxStatus rejects what is not mtx 1.3 status output, naming the line", () => {
  onFixture(
    "status-legacy-mtx1.0-doc-drive-empty.txt",
    "rejects the mtx 1.0 format at line 1",
    (text) => {
      const error = parseError(() => parseMtxStatus(text));
      expect(error.code).toBe("MTX_STATUS_UNPARSEABLE");
      expect(error.lineNumber).toBe(1);
      expect(error.line).toBe("Data Transfer Element:\tEmpty");
      expect(error.message).toContain("Line 1");
      expect(error.message).toContain("Data Transfer Element:\\tEmpty");
    },
  );

  onFixture(
    "status-legacy-mtx1.0-doc-drive-loaded.txt",
    "rejects the mtx 1.0 format at line 1",
    (text) => {
      const error = parseError(() => parseMtxStatus(text));
      expect(error.lineNumber).toBe(1);
      expect(error.line).toBe("Data Transfer Element:\tFull (Storage Element 1 Loaded)");
    },
  );

  onFixture(
    "compat-header-inquiry-nsm-dvd-4drv-561slot.txt",
    "reads the one-space header line but rejects the inquiry at line 2",
    (text) => {
      const firstLine = text.split("\n")[0] as string;
      expect(parseMtxStatusLine(firstLine)).toEqual({
        kind: "header",
        device: "/dev/sg4",
        driveCount: 4,
        slotCount: 561,
        importExportCount: 1,
      });
      const error = parseError(() => parseMtxStatus(text));
      expect(error.lineNumber).toBe(2);
      expect(error.line).toBe("Product Type: Medium Changer");
      expect(error.message).toContain("Line 2");
    },
  );

  onFixture(
    "compat-header-inquiry-spectra-trailing-ws.txt",
    "reads the header despite trailing whitespace but rejects the inquiry at line 2",
    (text) => {
      const firstLine = text.split("\n")[0] as string;
      expect(firstLine.endsWith("   ")).toBe(true);
      expect(parseMtxStatusLine(firstLine)).toEqual({
        kind: "header",
        device: "/dev/sg0",
        driveCount: 2,
        slotCount: 15,
        importExportCount: 0,
      });
      const error = parseError(() => parseMtxStatus(text));
      expect(error.lineNumber).toBe(2);
      expect(error.line).toBe("Product Type: Medium Changer");
    },
  );

  onFixture(
    "line-drive-full-unknown-storage-element-ibm03584.txt",
    "reads a drive loaded from an unknown slot, and refuses it without a header",
    (text) => {
      expect(parseMtxStatusLine(text.trimEnd())).toEqual({
        kind: "drive",
        drive: { index: 3, full: true, barcode: "G20002L7", sourceSlot: null },
      });
      const error = parseError(() => parseMtxStatus(text));
      expect(error.lineNumber).toBe(1);
      expect(error.message).toContain("before the 'Storage Changer' header");
    },
  );

  onFixture("inquiry-hp-ultrium5-tape-drive.txt", "rejects inquiry output at line 1", (text) => {
    const error = parseError(() => parseMtxStatus(text));
    expect(error.lineNumber).toBe(1);
    expect(error.line).toBe("Product Type: Tape Drive");
  });

  onFixture("inquiry-ibm-03584L32-ts4500.txt", "rejects inquiry output at line 1", (text) => {
    const error = parseError(() => parseMtxStatus(text));
    expect(error.lineNumber).toBe(1);
    expect(error.line).toBe("Product Type: Medium Changer");
  });

  onFixture("loaderinfo-bdt-flexstor-ii.txt", "rejects loaderinfo output at line 1", (text) => {
    const error = parseError(() => parseMtxStatus(text));
    expect(error.lineNumber).toBe(1);
    expect(error.line).toBe("Product Type: Medium Changer");
  });

  it("error-faq-status-not-ready-asc04-ascq8e-read-element-status-failed.txt: skips the Request Sense, then names the failure line 5", () => {
    const text = readMtxFixture(
      "error-faq-status-not-ready-asc04-ascq8e-read-element-status-failed.txt",
    );
    const error = parseError(() => parseMtxStatus(text));
    expect(error.lineNumber).toBe(5);
    expect(error.line).toBe("mtx: READ ELEMENT STATUS Command Failed");
  });

  it("error-faq-aborted-command-asc4e-short-sense.txt: a Request Sense alone is no status", () => {
    const text = readMtxFixture("error-faq-aborted-command-asc4e-short-sense.txt");
    const error = parseError(() => parseMtxStatus(text));
    expect(error.lineNumber).toBe(4);
    expect(error.message).toContain("without a 'Storage Changer' header");
  });

  it("every status-like fixture (status-, compat-, inquiry-, loaderinfo-, line-) has a test", () => {
    const statusLike = fs
      .readdirSync(MTX_FIXTURE_DIR)
      .filter((name) => /^(status|compat|inquiry|loaderinfo|line)-/.test(name))
      .sort();
    expect(statusLike.length).toBeGreaterThan(0);
    expect([...covered].sort()).toEqual(statusLike);
  });
});

describe("parseMtxStatus on lines built from mtx's format strings", () => {
  const header = "  Storage Changer /dev/sg3:1 Drives, 2 Slots ( 0 Import/Export )";

  it("reads AlternateVolumeTag on drives and slots", () => {
    const status = parseMtxStatus(
      [
        header,
        "Data Transfer Element 0:Full (Storage Element 2 Loaded):VolumeTag = A00001L9    :AlternateVolumeTag = ALT001  ",
        "      Storage Element 1:Full :VolumeTag=A00002L9:AlternateVolumeTag=ALT002",
        "      Storage Element 2:Empty",
        "",
      ].join("\n"),
    );
    expect(status.drives[0]).toEqual({
      index: 0,
      full: true,
      barcode: "A00001L9",
      sourceSlot: 2,
      alternateBarcode: "ALT001",
    });
    expect(status.slots[0]).toEqual({
      index: 1,
      full: true,
      barcode: "A00002L9",
      importExport: false,
      alternateBarcode: "ALT002",
    });
  });

  it("reads a full drive without a barcode, and CRLF line ends", () => {
    const status = parseMtxStatus(
      [
        header,
        "Data Transfer Element 0:Full (Storage Element 1 Loaded)",
        "      Storage Element 1:Empty",
        "      Storage Element 2:Full :VolumeTag=A00002L9",
      ].join("\r\n"),
    );
    expect(status.drives[0]).toEqual({ index: 0, full: true, barcode: null, sourceSlot: 1 });
    expect(slot(status, 2)?.barcode).toBe("A00002L9");
  });

  it("refuses a Request Sense line with a field mtx never prints", () => {
    const error = parseError(() => parseMtxStatus(`mtx: Request Sense: Colour=blue\n${header}\n`));
    expect(error.lineNumber).toBe(1);
  });

  it("refuses the Mode sense line when no Request Sense came before it", () => {
    const error = parseError(() =>
      parseMtxStatus(`Mode sense (0x1A) for Page 0x1D failed\n${header}\n`),
    );
    expect(error.lineNumber).toBe(1);
  });

  it("refuses a slot listed twice, naming the second line", () => {
    const error = parseError(() =>
      parseMtxStatus(
        [
          header,
          "Data Transfer Element 0:Empty",
          "      Storage Element 1:Empty",
          "      Storage Element 1:Empty",
        ].join("\n"),
      ),
    );
    expect(error.lineNumber).toBe(4);
    expect(error.message).toContain("slot 1 is listed twice");
  });

  it("refuses more slots than the header announces, even when truncation is allowed", () => {
    const text = [
      header,
      "Data Transfer Element 0:Empty",
      "      Storage Element 1:Empty",
      "      Storage Element 2:Empty",
      "      Storage Element 3:Empty",
    ].join("\n");
    expect(() => parseMtxStatus(text, { allowTruncated: true })).toThrow(MtxStatusIncompleteError);
  });

  it("refuses empty output", () => {
    const error = parseError(() => parseMtxStatus(""));
    expect(error.message).toContain("the output is empty");
  });
});

describe("isCleaningTape", () => {
  it("knows CLN prefixes and the LTO CU media id, and nothing else", () => {
    expect(isCleaningTape("CLN670L1")).toBe(true);
    expect(isCleaningTape("CLN001CU")).toBe(true);
    expect(isCleaningTape("ABC123CU")).toBe(true);
    expect(isCleaningTape("AAK787L9")).toBe(false);
    expect(isCleaningTape("BRU003")).toBe(false);
    expect(isCleaningTape(null)).toBe(false);
  });
});
