import { describe, expect, it } from "vitest";
import { injectFault } from "../../../../infra/simulator/faults.ts";
import {
  MtxDeviceBusyError,
  MtxDriveFullError,
  MtxMediumRemovalPreventedError,
  MtxSourceEmptyError,
  mtxErrorFromOutput,
  parseMtxStatus,
} from "../../../../shared/hardware/mtx/index.ts";
import { fakeMountRecord, makeLibrary, mtx } from "./simulated-library.ts";

describe("the product's mtx parsers read the simulated mtx", () => {
  it("parseMtxStatus reads drives, padded barcodes, the cleaning tape and the import/export slot", async () => {
    const layout = await makeLibrary({
      drives: 2,
      slots: 23,
      importExportSlots: 1,
      barcodes: ["AAK780L9", "AAK781L9"],
      cleaning: ["CLN001L1"],
      unlabelled: ["AAK781L9"],
      loaded: [{ drive: 1, slot: 1 }],
    });

    const status = parseMtxStatus((await mtx(layout, "status")).stdout);

    expect(status).toMatchObject({
      device: layout.changerDevice,
      driveCount: 2,
      slotCount: 24,
      importExportCount: 1,
    });
    expect(status.drives).toEqual([
      { index: 0, full: false, barcode: null, sourceSlot: null },
      { index: 1, full: true, barcode: "AAK780L9", sourceSlot: 1 },
    ]);
    expect(status.slots.slice(0, 4)).toEqual([
      { index: 1, full: false, barcode: null, importExport: false },
      { index: 2, full: true, barcode: null, importExport: false },
      { index: 3, full: true, barcode: "CLN001L1", importExport: false },
      { index: 4, full: false, barcode: null, importExport: false },
    ]);
    expect(status.slots[23]).toEqual({ index: 24, full: false, barcode: null, importExport: true });
  });

  it("mtxErrorFromOutput sees medium removal prevented when LTFS holds the drive", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"], loaded: [{ drive: 0, slot: 1 }] });
    fakeMountRecord(layout, 0, "AAK780L9");

    const result = await mtx(layout, "unload", "1", "0");
    const error = mtxErrorFromOutput(result, { operation: "unload", drive: 0, slot: 1 });

    expect(error).toBeInstanceOf(MtxMediumRemovalPreventedError);
    expect(error.isMediumRemovalPrevented()).toBe(true);
    expect([error.asc, error.ascq]).toEqual([0x53, 0x02]);
  });

  it("mtxErrorFromOutput names a full drive, an empty slot and a busy changer", async () => {
    const layout = await makeLibrary({
      barcodes: ["AAK780L9", "AAK781L9"],
      loaded: [{ drive: 0, slot: 2 }],
    });
    injectFault(layout.stateDir, {
      kind: "device-busy",
      tool: "mtx",
      operation: "status",
      times: 1,
    });

    const full = mtxErrorFromOutput(await mtx(layout, "load", "1", "0"));
    const empty = mtxErrorFromOutput(await mtx(layout, "load", "5", "1"));
    const busy = mtxErrorFromOutput(await mtx(layout, "status"), { operation: "status" });

    expect(full).toBeInstanceOf(MtxDriveFullError);
    expect(full).toMatchObject({ drive: 0 });
    expect(empty).toBeInstanceOf(MtxSourceEmptyError);
    expect(busy).toBeInstanceOf(MtxDeviceBusyError);
  });
});
