import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { injectFault } from "../../../../infra/simulator/faults.ts";
import { readLibrary, writeLibrary } from "../../../../infra/simulator/library-state.ts";
import { fakeMountRecord, fixture, makeLibrary, runTool, tapeinfo } from "./simulated-library.ts";

/** The field names of a tapeinfo report, in order (`SerialNumber`, `Ready`…). */
function fieldNames(report: string): string[] {
  return report
    .trimEnd()
    .split("\n")
    .map((line) => line.slice(0, line.indexOf(":")));
}

describe("simulated tapeinfo", () => {
  it("reports a loaded drive with the same fields, in the same order, as a real IBM LTO drive at BOP", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"], loaded: [{ drive: 1, slot: 1 }] });

    const result = await tapeinfo(layout, 1);

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(fieldNames(result.stdout)).toEqual(
      fieldNames(fixture("tapeinfo/ibm-ultrium-hh8-loaded-at-bop.txt")),
    );
    expect(result.stdout).toContain(
      "Product Type: Tape Drive\nVendor ID: 'IBM     '\nProduct ID: 'ULTRIUM-HH9     '\n",
    );
    expect(result.stdout).toContain("SerialNumber: 'SIMDRV0001'\n");
    expect(result.stdout).toContain("Ready: yes\n");
    expect(result.stdout).toContain("Density Code: 0x60\n");
    expect(result.stdout).toContain("BOP: yes\nBlock Position: 0\n");
    expect(result.stdout.endsWith("NumPartitions: 0\nMaxPartitions: 3\n")).toBe(true);
  });

  it("stops at Ready: no for an empty drive, as tapeinfo does when TEST UNIT READY fails", async () => {
    const layout = await makeLibrary();

    const result = await tapeinfo(layout, 0);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      [
        "Product Type: Tape Drive",
        "Vendor ID: 'IBM     '",
        "Product ID: 'ULTRIUM-HH9     '",
        "Revision: 'Q3F2'",
        "Attached Changer API: No",
        "SerialNumber: 'SIMDRV0000'",
        "MinBlock: 1",
        "MaxBlock: 8388608",
        "SCSI ID: 1",
        "SCSI LUN: 0",
        "Ready: no",
        "",
      ].join("\n"),
    );
  });

  it("reports Ready: no once for an injected not-ready fault, then yes", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"], loaded: [{ drive: 0, slot: 1 }] });
    injectFault(layout.stateDir, { kind: "not-ready", tool: "tapeinfo", driveIndex: 0, times: 1 });

    const first = await tapeinfo(layout, 0);
    const second = await tapeinfo(layout, 0);

    expect(first.stdout.trimEnd().split("\n").at(-1)).toBe("Ready: no");
    expect(second.stdout).toContain("Ready: yes\n");
  });

  it("cannot open the drive while LTFS holds it (EBUSY), like the real sg device", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"], loaded: [{ drive: 0, slot: 1 }] });
    fakeMountRecord(layout, 0, "AAK780L9");

    const result = await tapeinfo(layout, 0);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      fixture("tapeinfo/error-open-device-busy-while-ltfs-mounted-reconstructed.txt").replace(
        "/dev/sg4",
        layout.driveDevice(0),
      ),
    );
  });

  it("prints raised TapeAlert flags with tapeinfo's texts, and WriteProtect for a protected cartridge", async () => {
    const layout = await makeLibrary({
      barcodes: ["AAK780L9"],
      writeProtected: ["AAK780L9"],
      loaded: [{ drive: 0, slot: 1 }],
    });
    const state = readLibrary(layout.stateDir);
    (state.drives[0] as { tapeAlerts?: number[] }).tapeAlerts = [21, 20];
    writeLibrary(layout.stateDir, state);
    const real = fixture("tapeinfo/mhvtl-stk-t10000b-tapealert-flags-test-string.txt").split("\n");

    const lines = (await tapeinfo(layout, 0)).stdout.split("\n");

    expect(lines.slice(6, 8)).toEqual([real[11], real[12]]);
    expect(lines.slice(6, 8)).toEqual([
      "TapeAlert[20]:     Clean Now: The tape drive neads cleaning NOW.",
      "TapeAlert[21]: Clean Periodic:The tape drive needs to be cleaned at next opportunity.",
    ]);
    expect(lines[8]).toBe("MinBlock: 1");
    expect(lines).toContain("WriteProtect: yes");
    expect(lines.indexOf("WriteProtect: yes")).toBe(lines.indexOf("Ready: yes") + 1);
  });

  it("shows a cleaning cartridge as not ready", async () => {
    const layout = await makeLibrary({
      barcodes: [],
      cleaning: ["CLN001L1"],
      loaded: [{ drive: 0, slot: 1 }],
    });

    const result = await tapeinfo(layout, 0);

    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("Ready: no");
  });

  it("reports two partitions once the tape holds an LTFS volume", async () => {
    const layout = await makeLibrary({
      barcodes: ["AAK780L9"],
      capacityMiB: 4000,
      loaded: [{ drive: 0, slot: 1 }],
    });
    fs.writeFileSync(`${layout.tapeDir("AAK780L9")}/volume-written-by-mkltfs`, "");

    const result = await tapeinfo(layout, 0);

    expect(
      result.stdout.endsWith(
        "NumPartitions: 1\nMaxPartitions: 3\nPartition0: 10\nPartition1: 3990\nPartition2: 0\nPartition3: 0\n",
      ),
    ).toBe(true);
  });

  it("prints its usage for wrong arguments and cannot open a drive the library lacks", async () => {
    const layout = await makeLibrary({ drives: 2 });

    const usage = await runTool(layout, "tapeinfo", []);
    const missing = await tapeinfo(layout, 5);

    expect(usage).toMatchObject({
      exitCode: 1,
      stderr: "argc=1tapeinfo: Usage: tapeinfo -f <generic-device>\n",
    });
    expect(missing).toMatchObject({
      exitCode: 1,
      stderr: `tapeinfo: cannot open SCSI device '${layout.driveDevice(5)}' - No such file or directory\n`,
    });
  });
});
