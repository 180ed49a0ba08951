import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { readLibrary } from "../../../../infra/simulator/library-state.ts";
import { makeLibrary, mtx } from "./simulated-library.ts";

function driveLink(layout: { driveDevice(index: number): string }, index: number): string | null {
  try {
    return fs.readlinkSync(layout.driveDevice(index));
  } catch {
    return null;
  }
}

describe("simulated mtx moves", () => {
  it("loads slot 3 into drive 1: prints mtx's progress line, updates the library and links the drive to the tape", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9", "AAK781L9", "AAK782L9"] });

    const result = await mtx(layout, "load", "3", "1");

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("Loading media from Storage Element 3 into drive 1...done\n");
    expect(result.stderr).toBe("");
    const state = readLibrary(layout.stateDir);
    expect(state.drives[1]).toMatchObject({ barcode: "AAK782L9", sourceSlot: 3 });
    expect(state.slots[2]?.barcode).toBeNull();
    expect(driveLink(layout, 1)).toBe("../tapes/AAK782L9");
    expect(fs.realpathSync(layout.driveDevice(1))).toBe(
      fs.realpathSync(layout.tapeDir("AAK782L9")),
    );
  });

  it("loads into drive 0 when no drive is given", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"] });

    const result = await mtx(layout, "load", "1");

    expect(result.stdout).toBe("Loading media from Storage Element 1 into drive 0...done\n");
    expect(readLibrary(layout.stateDir).drives[0]?.barcode).toBe("AAK780L9");
  });

  it("unloads into a chosen slot and removes the drive's link", async () => {
    const layout = await makeLibrary({
      barcodes: ["AAK780L9", "AAK781L9"],
      loaded: [{ drive: 1, slot: 2 }],
    });
    expect(driveLink(layout, 1)).toBe("../tapes/AAK781L9");

    const result = await mtx(layout, "unload", "5", "1");

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("Unloading drive 1 into Storage Element 5...done\n");
    const state = readLibrary(layout.stateDir);
    expect(state.drives[1]).toMatchObject({ barcode: null, sourceSlot: null });
    expect(state.slots[4]?.barcode).toBe("AAK781L9");
    expect(driveLink(layout, 1)).toBeNull();
  });

  it("unloads without a slot back into the slot the tape came from", async () => {
    const layout = await makeLibrary({
      barcodes: ["AAK780L9", "AAK781L9"],
      loaded: [{ drive: 0, slot: 2 }],
    });

    const result = await mtx(layout, "unload");

    expect(result.stdout).toBe("Unloading drive 0 into Storage Element 2...done\n");
    expect(readLibrary(layout.stateDir).slots[1]?.barcode).toBe("AAK781L9");
  });

  it("keeps what was written on a tape across unload and load into another drive", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"], loaded: [{ drive: 0, slot: 1 }] });
    fs.writeFileSync(`${layout.driveDevice(0)}/written-while-in-drive-0`, "data");

    await mtx(layout, "unload", "1", "0");
    await mtx(layout, "load", "1", "1");

    expect(fs.readFileSync(`${layout.driveDevice(1)}/written-while-in-drive-0`, "utf8")).toBe(
      "data",
    );
  });

  it("transfers between slots, into the import/export slot and back, printing nothing", async () => {
    const layout = await makeLibrary({ slots: 4, importExportSlots: 1, barcodes: ["AAK780L9"] });

    const out = await mtx(layout, "transfer", "1", "5");
    expect(out).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
    expect(readLibrary(layout.stateDir).slots.map((slot) => slot.barcode)).toEqual([
      null,
      null,
      null,
      null,
      "AAK780L9",
    ]);
    expect((await mtx(layout, "status")).stdout).toContain(
      "      Storage Element 5 IMPORT/EXPORT:Full :VolumeTag=AAK780L9",
    );

    await mtx(layout, "transfer", "5", "3");
    expect(readLibrary(layout.stateDir).slots.map((slot) => slot.barcode)).toEqual([
      null,
      null,
      "AAK780L9",
      null,
      null,
    ]);
  });

  it("loads a cleaning cartridge (its slot showed the CLN barcode) and clears the drive's clean-now alert", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"], cleaning: ["CLN001L1"] });
    const before = (await mtx(layout, "status")).stdout;
    expect(before).toContain(`      Storage Element 2:Full :VolumeTag=${"CLN001L1".padEnd(32)}\n`);
    const state = readLibrary(layout.stateDir);
    (state.drives[0] as { tapeAlerts?: number[] }).tapeAlerts = [3, 20];
    const { writeLibrary } = await import("../../../../infra/simulator/library-state.ts");
    writeLibrary(layout.stateDir, state);

    const result = await mtx(layout, "load", "2", "0");

    expect(result.stdout).toBe("Loading media from Storage Element 2 into drive 0...done\n");
    expect(readLibrary(layout.stateDir).drives[0]).toMatchObject({
      barcode: "CLN001L1",
      tapeAlerts: [3],
    });
  });

  it("runs several commands on one line, as mtx does (unload 1 0 load 2 0)", async () => {
    const layout = await makeLibrary({
      barcodes: ["AAK780L9", "AAK781L9"],
      loaded: [{ drive: 0, slot: 1 }],
    });

    const result = await mtx(layout, "unload", "1", "0", "load", "2", "0");

    expect(result.stdout).toBe(
      "Unloading drive 0 into Storage Element 1...done\nLoading media from Storage Element 2 into drive 0...done\n",
    );
    expect(readLibrary(layout.stateDir).drives[0]?.barcode).toBe("AAK781L9");
  });

  it("next unloads the drive and loads the following full slot", async () => {
    const layout = await makeLibrary({
      barcodes: ["AAK780L9", "AAK781L9"],
      loaded: [{ drive: 0, slot: 1 }],
    });

    const result = await mtx(layout, "next");

    expect(result.stdout).toBe(
      "Unloading drive 0 into Storage Element 1...done\nLoading media from Storage Element 2 into drive 0...done\n",
    );
  });

  it("serialises two loads started at the same time, like one robot", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9", "AAK781L9"], moveDelayMs: 200 });

    const [first, second] = await Promise.all([
      mtx(layout, "load", "1", "0"),
      mtx(layout, "load", "2", "1"),
    ]);

    expect(first.exitCode).toBe(0);
    expect(second.exitCode).toBe(0);
    const state = readLibrary(layout.stateDir);
    expect(state.drives.map((drive) => drive.barcode)).toEqual(["AAK780L9", "AAK781L9"]);
    expect(state.slots.slice(0, 2).map((slot) => slot.barcode)).toEqual([null, null]);
  });
});
