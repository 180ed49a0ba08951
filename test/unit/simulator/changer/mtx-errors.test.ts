import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { injectFault, readFaults } from "../../../../infra/simulator/faults.ts";
import { readLibrary, writeLibrary } from "../../../../infra/simulator/library-state.ts";
import { fakeMountRecord, fixture, makeLibrary, mtx, runTool } from "./simulated-library.ts";

const SIX_TAPES = ["AAK780L9", "AAK781L9", "AAK782L9", "AAK783L9", "AAK784L9", "AAK785L9"];

function senseBlock(key: string, asc: string, ascq: string): string {
  return [
    "Long Report=yes",
    "Valid Residual=no",
    "Error Code=70 (Current)",
    `Sense Key=${key}`,
    "FileMark=no",
    "EOM=no",
    "ILI=no",
    `Additional Sense Code = ${asc}`,
    `Additional Sense Qualifier = ${ascq}`,
    "BPV=no",
    "Error in CDB=no",
    "SKSV=no",
  ]
    .map((line) => `mtx: Request Sense: ${line}\n`)
    .join("");
}

describe("simulated mtx errors", () => {
  it("refuses to load into a full drive with mtx's pre-check message, exit 1", async () => {
    const layout = await makeLibrary({ barcodes: SIX_TAPES, loaded: [{ drive: 0, slot: 5 }] });

    const result = await mtx(layout, "load", "1", "0");

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(fixture("mtx/error-load-drive-already-full-reconstructed.txt"));
  });

  it("refuses to unload into a full slot", async () => {
    const layout = await makeLibrary({ barcodes: SIX_TAPES, loaded: [{ drive: 0, slot: 5 }] });

    const result = await mtx(layout, "unload", "3", "0");

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(fixture("mtx/error-unload-slot-already-full-reconstructed.txt"));
    expect(readLibrary(layout.stateDir).drives[0]?.barcode).toBe("AAK784L9");
  });

  it("refuses a transfer or an exchange without a valid source and destination slot", async () => {
    const layout = await makeLibrary({ barcodes: SIX_TAPES, slots: 8 });

    const noDestination = await mtx(layout, "transfer", "1");
    expect(noDestination.exitCode).toBe(1);
    expect(noDestination.stderr).toBe("mtx: No destination specified\n");
    const beyond = await mtx(layout, "exchange", "99", "1");
    expect(beyond.exitCode).toBe(1);
    expect(beyond.stderr).toBe("mtx: Invalid source\n");
    expect(
      readLibrary(layout.stateDir)
        .slots.slice(0, 2)
        .map((slot) => slot.barcode),
    ).toEqual(["AAK780L9", "AAK781L9"]);
  });

  it("refuses to unload an empty drive", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"] });

    const result = await mtx(layout, "unload", "2", "1");

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(fixture("mtx/error-unload-drive-empty-reconstructed.txt"));
  });

  it("rejects a slot number the library does not have", async () => {
    const layout = await makeLibrary({ slots: 24, importExportSlots: 1 });

    const result = await mtx(layout, "load", "99");

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(fixture("mtx/error-load-invalid-slot-argument-reconstructed.txt"));
  });

  it("rejects a drive number the library does not have, in mtx's words", async () => {
    const layout = await makeLibrary({ drives: 2 });

    expect((await mtx(layout, "load", "1", "2")).stderr).toBe(
      "mtx: illegal <drive-number> argument '2' to 'load' command\n",
    );
    expect((await mtx(layout, "unload", "30", "0")).stderr).toBe(
      "mtx: illegal <storage-element-number> argument '30' to 'unload' command\n",
    );
  });

  it("reports an empty source slot with the element address, after the progress text", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"] });

    const result = await mtx(layout, "load", "7", "0");

    expect(result.exitCode).toBe(1);
    expect(result.stdout + result.stderr).toBe(
      fixture("mtx/error-load-source-empty-asc3b-ascq0e-reconstructed.txt").replace("4102", "1007"),
    );
  });

  it("says which drive has no known source when unloading without a slot", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9"], loaded: [{ drive: 0, slot: 1 }] });
    const state = readLibrary(layout.stateDir);
    (state.drives[0] as { sourceSlot: number | null }).sourceSlot = null;
    writeLibrary(layout.stateDir, state);

    const status = await mtx(layout, "status");
    const result = await mtx(layout, "unload");

    expect(status.stdout).toContain(
      "Data Transfer Element 0:Full (Unknown Storage Element Loaded):VolumeTag = AAK780L9",
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe("mtx: No Source for tape in drive 0!\n");
  });

  it("checks transfer arguments like mtx", async () => {
    const layout = await makeLibrary({
      slots: 4,
      importExportSlots: 1,
      barcodes: ["AAK780L9", "AAK781L9"],
    });

    expect((await mtx(layout, "transfer", "1", "9")).stderr).toBe("mtx: Invalid destination\n");
    expect((await mtx(layout, "transfer", "1")).stderr).toBe("mtx: No destination specified\n");
    expect((await mtx(layout, "transfer", "3", "4")).stderr).toBe(
      "mtx: Source Element Address 1003 is Empty\n",
    );
    expect((await mtx(layout, "transfer", "1", "2")).stderr).toBe(
      "mtx: Destination Element Address 1002 is Already Full\n",
    );
  });

  it("will not unload a drive whose tape LTFS still holds: Illegal Request, ASC 53 / ASCQ 02", async () => {
    const layout = await makeLibrary({ barcodes: SIX_TAPES, loaded: [{ drive: 0, slot: 6 }] });
    fakeMountRecord(layout, 0, "AAK785L9");

    const result = await mtx(layout, "unload", "6", "0");

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("Unloading drive 0 into Storage Element 6...");
    expect(result.stderr).toBe(
      `${senseBlock("Illegal Request", "53", "02")}mtx: MOVE MEDIUM from Element Address 500 to 1006 Failed\n`,
    );
    expect(readLibrary(layout.stateDir).drives[0]?.barcode).toBe("AAK785L9");
    expect(fs.readlinkSync(layout.driveDevice(0))).toBe("../tapes/AAK785L9");
  });

  it("unloads once the process in a leftover mount record has exited and nothing is mounted", async () => {
    const layout = await makeLibrary({ barcodes: SIX_TAPES, loaded: [{ drive: 0, slot: 6 }] });
    const exited = spawnSync("true");
    fs.writeFileSync(
      layout.mountRecord(0),
      JSON.stringify({
        pid: exited.pid,
        mountPoint: layout.defaultMountPoint(0),
        barcode: "AAK785L9",
      }),
    );

    const result = await mtx(layout, "unload", "6", "0");

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("Unloading drive 0 into Storage Element 6...done\n");
  });

  it("fails an unload with an injected 53/03 exactly as the pytarchive README shows, once", async () => {
    const layout = await makeLibrary({ barcodes: SIX_TAPES, loaded: [{ drive: 0, slot: 6 }] });
    injectFault(layout.stateDir, {
      kind: "sense",
      tool: "mtx",
      operation: "unload",
      senseKey: "Illegal Request",
      asc: 0x53,
      ascq: 0x03,
      times: 1,
    });

    const failed = await mtx(layout, "unload", "6", "0");
    const retried = await mtx(layout, "unload", "6", "0");

    expect(failed.exitCode).toBe(1);
    expect(failed.stdout + failed.stderr).toBe(
      `${fixture("mtx/error-unload-asc53-ascq03-removal-prevented-interleaved.txt")}mtx: MOVE MEDIUM from Element Address 500 to 1006 Failed\n`,
    );
    expect(retried.exitCode).toBe(0);
    expect(readFaults(layout.stateDir)).toEqual([]);
  });

  it("words an injected 3B/0D itself, without a Request Sense dump", async () => {
    const layout = await makeLibrary({ barcodes: SIX_TAPES, loaded: [{ drive: 0, slot: 6 }] });
    injectFault(layout.stateDir, {
      kind: "sense",
      tool: "mtx",
      operation: "unload",
      senseKey: "Illegal Request",
      asc: 0x3b,
      ascq: 0x0d,
      times: 1,
    });

    const result = await mtx(layout, "unload", "7", "0");

    expect(result.stdout + result.stderr).toBe(
      fixture("mtx/error-unload-destination-full-asc3b-ascq0d-reconstructed.txt").replace(
        "4102",
        "1007",
      ),
    );
  });

  it("fails a load with an injected hardware error 04/03 and leaves the tape in its slot", async () => {
    const layout = await makeLibrary({ barcodes: ["AAK780L9", "AAK781L9"] });
    injectFault(layout.stateDir, {
      kind: "sense",
      tool: "mtx",
      operation: "load",
      senseKey: "Hardware Error",
      asc: 0x04,
      ascq: 0x03,
      times: 1,
    });

    const result = await mtx(layout, "load", "2", "1");

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("Loading media from Storage Element 2 into drive 1...");
    expect(result.stderr).toBe(
      `${senseBlock("Hardware Error", "04", "03")}mtx: MOVE MEDIUM from Element Address 1002 to 501 Failed\n`,
    );
    expect(readLibrary(layout.stateDir).slots[1]?.barcode).toBe("AAK781L9");
  });

  it("fails status with READ ELEMENT STATUS Command Failed when a not-ready sense is injected", async () => {
    const layout = await makeLibrary();
    injectFault(layout.stateDir, {
      kind: "sense",
      tool: "mtx",
      operation: "status",
      senseKey: "Not Ready",
      asc: 0x04,
      ascq: 0x8e,
      times: 1,
    });

    const result = await mtx(layout, "status");

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `${senseBlock("Not Ready", "04", "8E")}mtx: READ ELEMENT STATUS Command Failed\n`,
    );
  });

  it("cannot open a busy changer device (injected), and opens it the next time", async () => {
    const layout = await makeLibrary();
    injectFault(layout.stateDir, {
      kind: "device-busy",
      tool: "mtx",
      operation: "status",
      times: 1,
    });

    const busy = await mtx(layout, "status");
    const later = await mtx(layout, "status");

    expect(busy.exitCode).toBe(1);
    expect(busy.stderr).toBe(
      fixture("mtx/error-open-device-busy-reconstructed.txt").replace(
        "/dev/sg3",
        layout.changerDevice,
      ),
    );
    expect(later.exitCode).toBe(0);
  });

  it("cannot open a device that does not exist or is not a simulated changer", async () => {
    const layout = await makeLibrary();

    const missing = await runTool(layout, "mtx", ["-f", "/nonexistent/changer", "status"]);
    const notChanger = await runTool(layout, "mtx", ["-f", layout.libraryFile, "status"]);

    expect(missing).toMatchObject({
      exitCode: 1,
      stderr: "mtx: cannot open SCSI device '/nonexistent/changer' - No such file or directory\n",
    });
    expect(notChanger.stderr).toBe(
      `mtx: ${layout.libraryFile} is not an sg device, or old sg driver\n`,
    );
  });

  it("prints its usage and exits 1 for an unknown command", async () => {
    const layout = await makeLibrary();

    const result = await mtx(layout, "stauts");

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n").slice(0, 3)).toEqual([
      "Usage:",
      "\tmtx --version",
      "\tmtx [ -f <loader-dev> ] noattach <more commands>",
    ]);
  });
});
