import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { simulatorBundleDir } from "../../../../infra/simulator/build-tools.ts";
import { createSimulatedLibrary, planLibrary } from "../../../../infra/simulator/create-library.ts";
import { SIMULATED_TOOLS } from "../../../../infra/simulator/install-bin.ts";
import { readLibrary } from "../../../../infra/simulator/library-state.ts";
import { PytarchiveError } from "../../../../shared/errors/index.ts";
import { runCommand } from "../../../../shared/exec/index.ts";
import { makeLibrary, mtx, temporaryFolder } from "../changer/simulated-library.ts";

function fileFromRepository(relative: string): string {
  return fileURLToPath(new URL(`../../../../${relative}`, import.meta.url));
}

function errorOf(action: () => unknown): PytarchiveError {
  try {
    action();
  } catch (error) {
    if (error instanceof PytarchiveError) return error;
    throw error;
  }
  throw new Error("expected a PytarchiveError");
}

describe("createSimulatedLibrary", () => {
  it("lays out a 2-drive library with 24 storage slots, a mail slot after them and blank tapes", async () => {
    const layout = await makeLibrary({
      drives: 2,
      slots: 24,
      importExportSlots: 1,
      barcodes: ["AAK780L9", "AAK781L9"],
      cleaning: ["CLN001L1"],
      capacityMiB: 2048,
    });

    const state = readLibrary(layout.stateDir);
    expect(state.drives).toEqual([
      { index: 0, barcode: null, sourceSlot: null, serial: "SIMDRV0000" },
      { index: 1, barcode: null, sourceSlot: null, serial: "SIMDRV0001" },
    ]);
    expect(state.slots).toHaveLength(25);
    expect(state.slots.slice(0, 4)).toEqual([
      { index: 1, barcode: "AAK780L9", importExport: false },
      { index: 2, barcode: "AAK781L9", importExport: false },
      { index: 3, barcode: "CLN001L1", importExport: false },
      { index: 4, barcode: null, importExport: false },
    ]);
    expect(state.slots[24]).toEqual({ index: 25, barcode: null, importExport: true });
    expect(state.cartridges).toEqual({
      AAK780L9: { capacityMiB: 2048, cleaning: false, writeProtected: false },
      AAK781L9: { capacityMiB: 2048, cleaning: false, writeProtected: false },
      CLN001L1: { capacityMiB: 0, cleaning: true, writeProtected: false },
    });
    expect(fs.readdirSync(layout.tapesDir).sort()).toEqual(["AAK780L9", "AAK781L9", "CLN001L1"]);
    expect(fs.readdirSync(layout.tapeDir("AAK780L9"))).toEqual([]);
    expect(fs.readFileSync(layout.changerDevice, "utf8")).toBe("");
    expect(fs.readdirSync(layout.drivesDir)).toEqual([]);
    expect(fs.readdirSync(layout.runDir)).toEqual([]);
    expect(fs.readdirSync(layout.mountDir).sort()).toEqual(["0", "1"]);
    expect(JSON.parse(fs.readFileSync(layout.faultsFile, "utf8"))).toEqual([]);
  });

  it("generates SIM001L9… barcodes when none are given", async () => {
    const layout = await makeLibrary({ slots: 5, importExportSlots: 0, generate: 3 });

    expect(readLibrary(layout.stateDir).slots.map((slot) => slot.barcode)).toEqual([
      "SIM001L9",
      "SIM002L9",
      "SIM003L9",
      null,
      null,
    ]);
  });

  it("starts with a drive loaded when asked: the slot is empty and the drive links to the tape", async () => {
    const layout = await makeLibrary({
      barcodes: ["AAK780L9", "AAK781L9"],
      loaded: [{ drive: 1, slot: 2 }],
    });

    const state = readLibrary(layout.stateDir);
    expect(state.drives[1]).toMatchObject({ barcode: "AAK781L9", sourceSlot: 2 });
    expect(state.slots[1]?.barcode).toBeNull();
    expect(fs.readlinkSync(layout.driveDevice(1))).toBe("../tapes/AAK781L9");
  });

  it("writes one executable sh wrapper per tool that runs the tool's bundled build", async () => {
    const layout = await makeLibrary();
    const bundleDir = simulatorBundleDir();

    expect(fs.readdirSync(layout.binDir).sort()).toEqual([...SIMULATED_TOOLS].sort());
    for (const tool of SIMULATED_TOOLS) {
      const file = path.join(layout.binDir, tool);
      const script = fs.readFileSync(file, "utf8");
      expect(fs.statSync(file).mode & 0o777).toBe(0o755);
      expect(script.startsWith("#!/bin/sh\n")).toBe(true);
      expect(script).toContain(
        `exec '${process.execPath}' '${path.join(bundleDir, `${tool}.mjs`)}' "$@"\n`,
      );
      expect(fs.existsSync(path.join(bundleDir, `${tool}.mjs`))).toBe(true);
      const bakesState = script.includes(
        `PYTARCHIVE_SIM_STATE='${layout.stateDir}'\nexport PYTARCHIVE_SIM_STATE\n`,
      );
      expect(bakesState).toBe(tool === "exportfs" || tool === "fuser" || tool === "lsscsi");
    }
    // The ltfs daemon is started by the bundled ltfs from beside it.
    expect(fs.existsSync(path.join(bundleDir, "ltfs-daemon.mjs"))).toBe(true);
  });

  it("runs its mtx from any directory with an empty PATH", async () => {
    const layout = await makeLibrary({
      drives: 1,
      slots: 1,
      importExportSlots: 0,
      barcodes: ["AAK780L9"],
    });

    const result = await runCommand(
      path.join(layout.binDir, "mtx"),
      ["-f", layout.changerDevice, "status"],
      {
        cwd: "/",
        env: { PATH: "" },
      },
    );

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("      Storage Element 1:Full :VolumeTag=AAK780L9");
  });

  it("refuses a folder that already holds something", async () => {
    const stateDir = temporaryFolder();
    fs.writeFileSync(path.join(stateDir, "keep-me"), "");

    await expect(createSimulatedLibrary({ stateDir })).rejects.toMatchObject({
      code: "SIM_STATE_NOT_EMPTY",
      message: `${stateDir} already exists and is not empty.`,
    });
    expect(fs.readdirSync(stateDir)).toEqual(["keep-me"]);
  });

  it("refuses options that do not describe a possible library", () => {
    const base = { stateDir: "/unused" };
    expect(
      errorOf(() => planLibrary({ ...base, slots: 2, barcodes: ["A1", "A2", "A3"] })),
    ).toMatchObject({
      code: "SIM_INVALID_OPTION",
      message: "3 cartridges do not fit in 2 storage slots.",
    });
    expect(
      errorOf(() => planLibrary({ ...base, barcodes: ["AAK780L9", "AAK780L9"] })).message,
    ).toBe("Barcode AAK780L9 is given twice.");
    expect(errorOf(() => planLibrary({ ...base, barcodes: ["../etc"] })).message).toBe(
      'Barcode "../etc" cannot be used: barcodes are 1 to 32 letters, digits, "_" or "-".',
    );
    expect(
      errorOf(() => planLibrary({ ...base, barcodes: ["A1"], loaded: [{ drive: 0, slot: 2 }] }))
        .message,
    ).toBe("Slot 2 holds no cartridge to load into drive 0.");
    expect(errorOf(() => planLibrary({ ...base, drives: 0 })).message).toBe(
      "drives must be a whole number of at least 1, not 0.",
    );
  });
});

describe("pytarchive-sim command", () => {
  const cli = fileFromRepository("bin/pytarchive-sim.mjs");
  const sim = (...args: string[]) =>
    runCommand(process.execPath, [cli, ...args], { timeoutMs: 60_000 });

  it("creates a library, prints the config lines for it, injects a fault that mtx then reports, and shows status", async () => {
    const stateDir = path.join(temporaryFolder(), "lib");

    const created = await sim(
      "create",
      "--state",
      stateDir,
      "--drives",
      "1",
      "--slots",
      "4",
      "--ie",
      "1",
      "--barcodes",
      "AAK780L9,AAK781L9",
      "--cleaning",
      "CLN001L1",
      "--loaded",
      "0:2",
      "--move-delay-ms",
      "0",
    );
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toBe(
      `Created a simulated library in ${stateDir}: 1 drive, 4 storage slots and 1 import/export, 2 data and 1 cleaning cartridge.\n` +
        `Point pytarchive at it with the lines of: pytarchive-sim env --state ${stateDir}\n`,
    );

    const env = await sim("env", "--state", stateDir);
    expect(env.stdout).toBe(
      [
        `# Simulated tape library in ${stateDir} (pytarchive-sim)`,
        "[Tools]",
        `path = ${stateDir}/bin`,
        "",
        "[Device]",
        `library = ${stateDir}/changer`,
        "simulate = yes",
        // Its cartridges' size (1 GiB), far below their barcodes' LTO generation.
        "media_capacity = 1048576",
        "",
        "[Drive 0]",
        `device = ${stateDir}/drives/0`,
        `mount_point = ${stateDir}/mnt/0`,
        "# tapeinfo serial: SIMDRV0000",
        "",
      ].join("\n"),
    );

    const fault = await sim("fault", "--state", stateDir, "--mtx-sense", "unload:53/03", "--list");
    expect(fault.stdout).toBe("mtx unload: Illegal Request, ASC 53 ASCQ 03 (1 time)\n");

    const status = await sim("status", "--state", stateDir);
    expect(status.stdout).toBe(
      [
        `IBM 3573-TL in ${stateDir} (changer ${stateDir}/changer)`,
        "Drive 0 (SIMDRV0000): AAK781L9 from slot 2",
        "Slot 1: AAK780L9",
        "Slot 2: empty",
        "Slot 3: CLN001L1 (cleaning)",
        "Slot 4: empty",
        "Slot 5 (import/export): empty",
        "Faults waiting:",
        "  mtx unload: Illegal Request, ASC 53 ASCQ 03 (1 time)",
        "",
      ].join("\n"),
    );

    const unload = await runCommand(path.join(stateDir, "bin/mtx"), [
      "-f",
      `${stateDir}/changer`,
      "unload",
    ]);
    expect(unload.exitCode).toBe(1);
    expect(unload.stderr).toContain("mtx: Request Sense: Additional Sense Qualifier = 03\n");
    expect(
      unload.stderr.endsWith("mtx: MOVE MEDIUM from Element Address 500 to 1002 Failed\n"),
    ).toBe(true);
  });

  it("raises TapeAlert flags and clears them with every waiting fault", async () => {
    const layout = await makeLibrary({ drives: 1 });
    await sim(
      "fault",
      "--state",
      layout.stateDir,
      "--tape-alert",
      "0:20",
      "--device-busy",
      "status:always",
    );
    expect(readLibrary(layout.stateDir).drives[0]?.tapeAlerts).toEqual([20]);
    expect((await mtx(layout, "status")).exitCode).toBe(1);

    const cleared = await sim("fault", "--state", layout.stateDir, "--clear", "--list");

    expect(cleared.stdout).toBe("No faults waiting.\n");
    expect(readLibrary(layout.stateDir).drives[0]?.tapeAlerts).toBeUndefined();
    expect((await mtx(layout, "status")).exitCode).toBe(0);
  });

  it("explains a bad fault spec and a missing library, with exit codes 2 and 1", async () => {
    const layout = await makeLibrary();

    const badSpec = await sim("fault", "--state", layout.stateDir, "--mtx-sense", "unload:53");
    const noLibrary = await sim("status", "--state", temporaryFolder());

    expect(badSpec.exitCode).toBe(2);
    expect(badSpec.stderr).toBe(
      'pytarchive-sim: "unload:53" needs ASC/ASCQ in hex, e.g. unload:53/03.\nRun `pytarchive-sim --help` for the commands and options.\n',
    );
    expect(noLibrary.exitCode).toBe(1);
    expect(noLibrary.stderr).toMatch(
      /^pytarchive-sim: .* holds no simulated library \(no library\.json\)\.\nCreate one with: pytarchive-sim create --state /,
    );
  });
});
