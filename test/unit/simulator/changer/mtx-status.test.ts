import { describe, expect, it } from "vitest";
import {
  type LibraryState,
  readLibrary,
  type SimulatedSlot,
  writeLibrary,
} from "../../../../infra/simulator/library-state.ts";
import { fixture, makeLibrary, mtx } from "./simulated-library.ts";

const HEADER = /^ {1,2}Storage Changer (.+):(\d+) Drives, (\d+) Slots \( (\d+) Import\/Export \)$/;
const DRIVE =
  /^Data Transfer Element (\d+):(?:Empty|Full \(Storage Element (\d+) Loaded\)(?::VolumeTag = (.*))?)$/;
const SLOT = /^ {6}Storage Element (\d+)( IMPORT\/EXPORT)?:(?:Empty|(Full ))(?::VolumeTag=(.*))?$/;

/**
 * The library a captured `mtx status` describes, so the simulator can be asked to print it.
 * A `Full ` slot without a tag holds an unlabelled cartridge.
 */
function libraryDescribedBy(
  text: string,
  base: LibraryState,
): { state: LibraryState; device: string } {
  const lines = text.trimEnd().split("\n");
  const header = HEADER.exec(lines[0] ?? "");
  if (!header) throw new Error("fixture has no header");
  const drives: LibraryState["drives"] = [];
  const slots: SimulatedSlot[] = [];
  const cartridges: LibraryState["cartridges"] = {};
  let tagWidth = 0;
  const addCartridge = (rawTag: string) => {
    const barcode = rawTag.trimEnd();
    if (rawTag.length > barcode.length) tagWidth = rawTag.length;
    cartridges[barcode] = {
      capacityMiB: 1024,
      cleaning: barcode.startsWith("CLN"),
      writeProtected: false,
    };
    return barcode;
  };
  for (const line of lines.slice(1)) {
    const drive = DRIVE.exec(line);
    if (drive) {
      const barcode = drive[3] === undefined ? null : addCartridge(drive[3]);
      drives.push({
        index: Number(drive[1]),
        barcode,
        sourceSlot: drive[2] === undefined ? null : Number(drive[2]),
        serial: `SERIAL${drive[1]}`,
      });
      continue;
    }
    const slot = SLOT.exec(line);
    if (!slot) throw new Error(`unexpected fixture line ${JSON.stringify(line)}`);
    const index = Number(slot[1]);
    const entry: SimulatedSlot = { index, barcode: null, importExport: slot[2] !== undefined };
    if (slot[3] !== undefined) {
      if (slot[4] === undefined) {
        entry.barcode = `NOLABEL${index}`;
        entry.unlabelled = true;
        cartridges[entry.barcode] = { capacityMiB: 1024, cleaning: false, writeProtected: false };
      } else {
        entry.barcode = addCartridge(slot[4]);
      }
    }
    slots.push(entry);
  }
  return {
    state: { ...base, drives, slots, cartridges, volumeTagWidth: tagWidth },
    device: header[1] as string,
  };
}

describe("simulated mtx status", () => {
  it.each([
    "mtx/status-hera-2drv-24slot-1ie-lto9-two-drives-same-source-slot.txt",
    "mtx/status-mhvtl-4drv-37slot-4ie-mixed-media.txt",
    "mtx/status-pve-sch0-2drv-24slot-1ie-lto5-sparse.txt",
    "mtx/status-freebsd-pass-ibm3361-2drv-38slot-36ie-full-without-tag.txt",
  ])("prints the same bytes as real mtx 1.3.12 for the library in %s", async (name) => {
    const layout = await makeLibrary();
    const captured = fixture(name);
    const { state, device } = libraryDescribedBy(captured, readLibrary(layout.stateDir));
    writeLibrary(layout.stateDir, state);

    const result = await mtx(layout, "status");

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(captured.replace(`${device}:`, `${layout.changerDevice}:`));
  });

  it("describes a new 2-drive library with 23 storage slots, 1 import/export slot and a cleaning tape like the Hera capture", async () => {
    const layout = await makeLibrary({
      drives: 2,
      slots: 23,
      importExportSlots: 1,
      generate: 11,
      cleaning: ["CLN003L1"],
      loaded: [{ drive: 1, slot: 8 }],
    });
    const real = fixture(
      "mtx/status-hera-2drv-24slot-1ie-lto9-two-drives-same-source-slot.txt",
    ).split("\n");

    const lines = (await mtx(layout, "status")).stdout.split("\n");

    const pad = (barcode: string) => barcode.padEnd(32, " ");
    expect(lines).toHaveLength(real.length);
    expect(lines[0]).toBe(
      `  Storage Changer ${layout.changerDevice}:2 Drives, 24 Slots ( 1 Import/Export )`,
    );
    expect(real[0]).toBe("  Storage Changer /dev/sg25:2 Drives, 24 Slots ( 1 Import/Export )");
    expect(lines[1]).toBe("Data Transfer Element 0:Empty");
    expect(lines[2]).toBe(
      `Data Transfer Element 1:Full (Storage Element 8 Loaded):VolumeTag = ${pad("SIM008L9")}`,
    );
    expect(lines[3]).toBe(`      Storage Element 1:Full :VolumeTag=${pad("SIM001L9")}`);
    expect(lines[10]).toBe("      Storage Element 8:Empty");
    expect(real[10]).toBe("      Storage Element 8:Empty");
    expect(lines[14]).toBe(`      Storage Element 12:Full :VolumeTag=${pad("CLN003L1")}`);
    expect(real[14]).toBe("      Storage Element 12:Full :VolumeTag=CLN003L1");
    expect(lines[15]).toBe("      Storage Element 13:Empty");
    expect(lines[26]).toBe("      Storage Element 24 IMPORT/EXPORT:Empty");
    expect(lines[27]).toBe("");
  });

  it("leaves volume tags out after nobarcode, as mtx does", async () => {
    const layout = await makeLibrary({
      drives: 1,
      slots: 2,
      importExportSlots: 0,
      barcodes: ["AAK780L9"],
      loaded: [{ drive: 0, slot: 1 }],
    });

    const result = await mtx(layout, "nobarcode", "status");

    expect(result.stdout).toBe(
      [
        `  Storage Changer ${layout.changerDevice}:1 Drives, 2 Slots ( 0 Import/Export )`,
        "Data Transfer Element 0:Full (Storage Element 1 Loaded)",
        "      Storage Element 1:Empty",
        "      Storage Element 2:Empty",
        "",
      ].join("\n"),
    );
  });

  it("prints the device exactly as given with -f, relative paths included", async () => {
    const layout = await makeLibrary({ drives: 1, slots: 1, importExportSlots: 0, barcodes: [] });
    const { runCommand } = await import("../../../../shared/exec/index.ts");

    const result = await runCommand(`${layout.binDir}/mtx`, ["-f", "./changer", "status"], {
      cwd: layout.stateDir,
    });

    expect(result.stdout.split("\n")[0]).toBe(
      "  Storage Changer ./changer:1 Drives, 1 Slots ( 0 Import/Export )",
    );
  });

  it("answers inquiry with the changer's padded vendor, product and revision", async () => {
    const layout = await makeLibrary({ vendor: "QUANTUM", product: "Scalar i3", revision: "241G" });

    const result = await mtx(layout, "inquiry");

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      "Product Type: Medium Changer\nVendor ID: 'QUANTUM '\nProduct ID: 'Scalar i3       '\nRevision: '241G'\nAttached Changer API: No\n",
    );
  });
});
