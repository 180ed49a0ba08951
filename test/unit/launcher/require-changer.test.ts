import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulatedLibrary } from "../../../infra/simulator/create-library.ts";
import type { SimulatorLayout } from "../../../infra/simulator/layout.ts";
import { formatSimulatorConfig } from "../../../infra/simulator/sim-cli.ts";
import {
  chooseTapeLibrary,
  existingTapeLibrary,
  requireChanger,
} from "../../../services/launcher/simulated-library.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";

/*
 * A configuration that points at a simulated library without asking for the simulation (an old
 * `pytarchive-sim env` output, PYTARCHIVE_LIBRARY set to the simulator's changer) must not start:
 * its loop images would be recorded as real tapes.
 */

let root: string;
let layout: SimulatorLayout;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pyt-require-changer-"));
  layout = await createSimulatedLibrary({ stateDir: path.join(root, "sim"), moveDelayMs: 0 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The simulator's own lines, as a pytarchive.conf, with `simulate` as given. */
function simulatorConfig(simulate: boolean): PytarchiveConfig {
  const text = formatSimulatorConfig(layout.stateDir).replace(
    "simulate = yes",
    `simulate = ${simulate ? "yes" : "no"}`,
  );
  return parseConfig(text, path.join(root, "pytarchive.conf"), {});
}

function refusal(config: PytarchiveConfig): PytarchiveError {
  try {
    requireChanger(config);
  } catch (error) {
    if (error instanceof PytarchiveError) return error;
    throw error;
  }
  throw new Error("requireChanger accepted the configuration");
}

describe("requireChanger and a simulated library's devices", () => {
  it("accepts the simulator's changer when the configuration asks for the simulation", () => {
    expect(() => requireChanger(simulatorConfig(true))).not.toThrow();
  });

  it("refuses the simulator's changer without simulate = yes, naming the library and both ways out", () => {
    const error = refusal(simulatorConfig(false));
    expect(error.code).toBe("CHANGER_IS_SIMULATED");
    expect(error.message).toContain(layout.changerDevice);
    expect(error.message).toContain(`belongs to the simulated library in ${layout.stateDir}`);
    expect(error.message).toContain("pytarchive did not start");
    expect(error.hint).toContain("npm start -- --simulate");
    expect(error.hint).toContain("[Device] library");
  });

  it("refuses it through PYTARCHIVE_LIBRARY and through a link to the changer", async () => {
    const viaEnvironment = parseConfig("[Device]\nsimulate = no\n", "env.conf", {
      PYTARCHIVE_LIBRARY: layout.changerDevice,
    });
    expect(refusal(viaEnvironment).code).toBe("CHANGER_IS_SIMULATED");
    const link = path.join(root, "sch0");
    await symlink(layout.changerDevice, link);
    const viaLink = parseConfig(`[Device]\nlibrary = ${link}\n`, "link.conf", {});
    expect(refusal(viaLink).code).toBe("CHANGER_IS_SIMULATED");
  });

  it("refuses a drive of the simulated library beside a real changer", () => {
    const config = simulatorConfig(false);
    const mixed = { ...config, device: { ...config.device, library: "/dev/null" } };
    expect(refusal(mixed).code).toBe("CHANGER_IS_SIMULATED");
  });

  it("refuses the simulator's tools beside a real changer, naming the tool", () => {
    const config = parseConfig(
      `[Tools]\npath = ${layout.binDir}\n[Device]\nlibrary = /dev/null\n`,
      "tools.conf",
      {},
    );
    const error = refusal(config);
    expect(error.code).toBe("CHANGER_IS_SIMULATED");
    expect(error.message).toContain(`The mtx tool ${path.join(layout.binDir, "mtx")} ([Tools]`);
    expect(error.message).toContain(`belongs to the simulated library in ${layout.stateDir}`);
  });

  it("refuses a drive device reached through a link to the simulator's drives folder", async () => {
    const link = path.join(root, "tape-drives");
    await symlink(layout.drivesDir, link);
    const config = parseConfig(
      `[Device]\nlibrary = /dev/null\n[Drive 0]\ndevice = ${link}/0\nmount_point = /mnt/ltfs0\n`,
      "drive-link.conf",
      {},
    );
    const error = refusal(config);
    expect(error.code).toBe("CHANGER_IS_SIMULATED");
    expect(error.message).toContain(`The drive device ${link}/0 ([Drive 0] device`);
  });

  it("still says CHANGER_MISSING for a changer that is not there", () => {
    const config = parseConfig(`[Device]\nlibrary = ${path.join(root, "sch9")}\n`, "x.conf", {});
    expect(refusal(config).code).toBe("CHANGER_MISSING");
  });
});

describe("chooseTapeLibrary with the simulation asked for", () => {
  it("uses the simulated library [Device] library names, with the drives as configured, not a new one in the state folder", async () => {
    const mountPoint = path.join(root, "elsewhere", "0");
    const config = parseConfig(
      formatSimulatorConfig(layout.stateDir).replace(
        `mount_point = ${layout.defaultMountPoint(0)}`,
        `mount_point = ${mountPoint}`,
      ),
      path.join(root, "pytarchive.conf"),
      {},
    );
    const unused = path.join(root, "state", "sim");

    const choice = await chooseTapeLibrary(config, unused);

    expect(choice).toMatchObject({ simulatedLibrary: layout.stateDir, created: false });
    expect(choice.config.device.drives[0]?.mountPoint).toBe(mountPoint);
    expect(choice.config.device.simulate).toBe(true);
    expect(existsSync(unused)).toBe(false);
  });
});

describe("a named simulated library's drives must be its own", () => {
  it("refuses a real drive device beside the simulator's changer (SIMULATED_LIBRARY_MIXED), creating nothing", async () => {
    const config = parseConfig(
      formatSimulatorConfig(layout.stateDir).replace(
        `device = ${layout.driveDevice(1)}`,
        "device = /dev/nst1",
      ),
      path.join(root, "mixed.conf"),
      {},
    );
    const unused = path.join(root, "state-mixed", "sim");
    const error = await chooseTapeLibrary(config, unused).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(PytarchiveError);
    expect(error).toMatchObject({
      code: "SIMULATED_LIBRARY_MIXED",
      message: expect.stringContaining(
        `[Device] library names the changer of the simulated library in ${layout.stateDir}, but the drive device /dev/nst1 ([Drive 1] device) is not one of its drives`,
      ),
      hint: expect.stringContaining(`pytarchive-sim env --state ${layout.stateDir}`),
    });
    expect(existsSync(unused)).toBe(false);
    // Its own lines as they are start.
    await expect(chooseTapeLibrary(simulatorConfig(true), unused)).resolves.toMatchObject({
      simulatedLibrary: layout.stateDir,
    });
  });
});

describe("existingTapeLibrary (support-bundle looks, never creates)", () => {
  it("with the simulation asked for and a changer that is no simulated one, creates nothing", async () => {
    const realChanger = path.join(root, "real-sch1");
    await writeFile(realChanger, "");
    const config = parseConfig(
      `[Device]\nsimulate = yes\nlibrary = ${realChanger}\n`,
      path.join(root, "pytarchive.conf"),
      {},
    );
    const stateSim = path.join(root, "state-9", "sim");

    expect(existingTapeLibrary(config, stateSim)).toBeNull();
    expect(existsSync(stateSim)).toBe(false);
    // The library the launcher made in the state folder is found, as the launcher gives it.
    expect(existingTapeLibrary(config, layout.stateDir)).toMatchObject({
      simulatedLibrary: layout.stateDir,
      config: { device: { library: layout.changerDevice, simulate: true } },
    });
  });
});
