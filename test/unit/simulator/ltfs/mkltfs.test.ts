import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { injectFault } from "../../../../infra/simulator/faults.ts";
import { realRun } from "./real-ltfs-runs.ts";
import { createTestLibrary, messageIds, runTool, type TestLibrary } from "./simulated-drives.ts";

const libraries: TestLibrary[] = [];
afterEach(() => {
  for (const library of libraries.splice(0)) library.cleanup();
});

function library(tapes: Parameters<typeof createTestLibrary>[0]["tapes"], loaded = {}) {
  const created = createTestLibrary({ tapes, loaded });
  libraries.push(created);
  return created;
}

function labelOf(tapeDir: string): {
  volumeUUID: string;
  volumeSerial: string;
  generation: number;
} {
  return JSON.parse(fs.readFileSync(path.join(tapeDir, "label.json"), "utf8"));
}

describe("simulated mkltfs", () => {
  it("formats a blank tape with the messages and exit code of a real format", async () => {
    const lib = library([{ barcode: "AAA001L9", capacityMiB: 3072 }], { 0: "AAA001L9" });
    const run = await runTool("mkltfs", ["-d", lib.device(0), "-s", "AAA001", "-n", "My Volume"]);
    const real = realRun(
      "01-format-new-tape.txt",
      "mkltfs -e file -d /tmp/ltfs-tapes/TAPE002 -s TAPE02 -n 'My Volume'",
    );
    expect(run.exitCode).toBe(real.exitCode);
    expect(messageIds(run.stderr)).toEqual(real.ids);
    expect(run.stdout).toBe("");
    const label = labelOf(lib.tapeDir("AAA001L9"));
    expect(run.stderr).toContain(`LTFS15013I Volume UUID is: ${label.volumeUUID}.\n`);
    expect(run.stderr).toContain("LTFS15019I Volume capacity is 3 GB.\n");
    expect(run.stderr).toContain("LTFS15024I Medium formatted successfully.\n");
    expect(label.volumeSerial).toBe("AAA001");
    expect(label.generation).toBe(1);
    expect(fs.readdirSync(lib.tapeDir("AAA001L9")).sort()).toEqual(["label.json", "medium.img"]);
    // The image is sparse and exactly the cartridge's capacity.
    const image = fs.statSync(path.join(lib.tapeDir("AAA001L9"), "medium.img"));
    expect(image.size).toBe(3072 * 1024 * 1024);
    expect(image.blocks * 512).toBeLessThan(64 * 1024 * 1024);
  });

  it("refuses an already formatted tape without -f (exit 16, LTFS15047E) and reformats it with -f", async () => {
    const lib = library([{ barcode: "AAA002L9" }], { 0: "AAA002L9" });
    expect((await runTool("mkltfs", ["-q", "-d", lib.device(0), "-s", "AAA002"])).exitCode).toBe(0);
    const firstUuid = labelOf(lib.tapeDir("AAA002L9")).volumeUUID;

    const again = await runTool("mkltfs", ["-d", lib.device(0)]);
    const real = realRun("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/TAPE002");
    expect(again.exitCode).toBe(16);
    expect(messageIds(again.stderr)).toEqual(real.ids);
    expect(again.stderr).toContain("LTFS15047E Medium is already formatted (0).\n");
    expect(labelOf(lib.tapeDir("AAA002L9")).volumeUUID).toBe(firstUuid);

    const forced = await runTool("mkltfs", ["-f", "-d", lib.device(0), "-s", "AAA002"]);
    const realForced = realRun(
      "02-format-errors.txt",
      "mkltfs -f -e file -d /tmp/ltfs-tapes/TAPE002 -s TAPE02",
    );
    expect(forced.exitCode).toBe(0);
    expect(messageIds(forced.stderr)).toEqual(realForced.ids);
    expect(labelOf(lib.tapeDir("AAA002L9")).volumeUUID).not.toBe(firstUuid);
  });

  it("prints only LTFS30061E when quiet, as the real one does on every run", async () => {
    const lib = library([{ barcode: "AAA003L9" }], { 0: "AAA003L9" });
    const run = await runTool("mkltfs", ["-q", "-d", lib.device(0), "-s", "AAA003"]);
    expect(run).toEqual({
      exitCode: 0,
      stdout: "",
      stderr: "LTFS30061E Cannot unlock medium: unit not ready.\n",
    });
  });

  it("rejects serials that are not 6 capitals or digits, and a missing -d, with exit 16 and the usage", async () => {
    const lib = library([{ barcode: "AAA004L9" }], { 0: "AAA004L9" });
    const short = await runTool("mkltfs", ["-d", lib.device(0), "-s", "ABC"]);
    expect(short.exitCode).toBe(16);
    expect(messageIds(short.stderr)).toEqual(
      realRun("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/TAPE004 -s ABC").ids,
    );
    expect(short.stderr).toContain("LTFS15029E Tape serial must be 6 characters.\n");
    expect(short.stderr).toContain("\nUsage: mkltfs <options>\n");

    const lower = await runTool("mkltfs", ["-d", lib.device(0), "-s", "abc123"]);
    expect(lower.exitCode).toBe(16);
    expect(lower.stderr).toContain(
      "LTFS15030E Tape serial must contain only ASCII digits and capital letters.\n",
    );

    const noDevice = await runTool("mkltfs", ["-s", "AAA004"]);
    expect(noDevice.exitCode).toBe(16);
    expect(messageIds(noDevice.stderr)).toEqual(
      realRun("02-format-errors.txt", "mkltfs -e file").ids,
    );
    expect(fs.readdirSync(lib.tapeDir("AAA004L9"))).toEqual([]);
  });

  it("fails with exit 8 and LTFS15009E when the drive holds no cartridge", async () => {
    const lib = library([{ barcode: "AAA005L9" }]);
    const run = await runTool("mkltfs", ["-d", lib.device(1)]);
    expect(run.exitCode).toBe(8);
    expect(messageIds(run.stderr)).toEqual(
      realRun("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/NOSUCHTAPE").ids,
    );
    expect(run.stderr).toContain(`LTFS15009E Cannot open device '${lib.device(1)}' (-21700).\n`);
  });

  it("refuses a write-protected cartridge with LTFS11095E and exit 16", async () => {
    const lib = library([{ barcode: "AAA006L9", writeProtected: true }], { 0: "AAA006L9" });
    const run = await runTool("mkltfs", ["-f", "-d", lib.device(0)]);
    expect(run.exitCode).toBe(16);
    expect(run.stderr).toContain("LTFS11095E Cannot format: the medium is write protected.\n");
    expect(run.stderr).toContain("LTFS15012E Failed to format the medium.\n");
    expect(fs.readdirSync(lib.tapeDir("AAA006L9"))).toEqual([]);
  });

  it("cannot format a cleaning cartridge (exit 8)", async () => {
    const lib = library([{ barcode: "CLN001L1", cleaning: true }], { 0: "CLN001L1" });
    const run = await runTool("mkltfs", ["-d", lib.device(0)]);
    expect(run.exitCode).toBe(8);
    expect(run.stderr).toContain("LTFS11298E Cannot read volume: unsupported medium.\n");
    expect(run.stderr).toContain("LTFS15023I Formatting failed.\n");
    expect(fs.readdirSync(lib.tapeDir("CLN001L1"))).toEqual([]);
  });

  it("fails once with exit 8 and LTFS15044E when a not-ready fault is injected", async () => {
    const lib = library([{ barcode: "AAA007L9" }], { 0: "AAA007L9" });
    injectFault(lib.stateDir, { kind: "not-ready", tool: "mkltfs", driveIndex: 0, times: 1 });
    const failed = await runTool("mkltfs", ["-d", lib.device(0)]);
    expect(failed.exitCode).toBe(8);
    expect(failed.stderr).toContain("LTFS15044E Cannot set up tape device.\n");
    expect((await runTool("mkltfs", ["-q", "-d", lib.device(0)])).exitCode).toBe(0);
  });

  it("wipes a formatted tape with -w: exit 1, LTFS15040I, and an empty tape folder", async () => {
    const lib = library([{ barcode: "AAA008L9" }], { 0: "AAA008L9" });
    expect((await runTool("mkltfs", ["-q", "-d", lib.device(0)])).exitCode).toBe(0);
    const wipe = await runTool("mkltfs", ["-d", lib.device(0), "-w"]);
    expect(wipe.exitCode).toBe(1);
    expect(messageIds(wipe.stderr)).toEqual(
      realRun("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/TAPEW1 -w").ids,
    );
    expect(fs.readdirSync(lib.tapeDir("AAA008L9"))).toEqual([]);
  });
});
