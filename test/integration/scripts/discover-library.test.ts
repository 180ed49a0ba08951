import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverLibrary } from "../../../infra/scripts/discover-library.ts";
import { formatStarterConfig } from "../../../infra/scripts/starter-config.ts";
import { createSimulatedLibrary } from "../../../infra/simulator/create-library.ts";
import type { SimulatorLayout } from "../../../infra/simulator/layout.ts";

/*
 * discover's findings on a simulated library through its real tools (lsscsi, mtx, tapeinfo),
 * with a /dev/tape/by-id folder of udev-style links, as a host with persistent names has.
 */

let root: string;
let library: SimulatorLayout;
let byId: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "pyt-discover-"));
  library = await createSimulatedLibrary({
    stateDir: path.join(root, "library"),
    drives: 2,
    slots: 4,
    generate: 2,
    loaded: [{ drive: 0, slot: 1 }],
    moveDelayMs: 0,
  });
  byId = path.join(root, "by-id");
  await mkdir(byId);
  await symlink(library.driveDevice(0), path.join(byId, "scsi-35000e111c0ffee00-nst"));
  await symlink(path.join(root, "gone"), path.join(byId, "scsi-dangling"));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("discoverLibrary", () => {
  it("finds the changer, both drives with serials, their elements and a drive's stable name", async () => {
    const found = await discoverLibrary({
      toolsFolder: library.binDir,
      mountPrefix: "/ltfs",
      byIdFolder: byId,
    });

    expect(found).toMatchObject({
      changerDevice: library.changerDevice,
      simulatedLibrary: library.stateDir,
      mtxProblem: null,
      otherChangers: [],
    });
    expect(
      found.drives.map((drive) => [drive.device, drive.serial, drive.match, drive.stableNames]),
    ).toEqual([
      [
        library.driveDevice(0),
        "SIMDRV0000",
        { element: 0, basis: "loaded" },
        [path.join(byId, "scsi-35000e111c0ffee00-nst")],
      ],
      [library.driveDevice(1), "SIMDRV0001", { element: 1, basis: "empty" }, []],
    ]);
    const text = formatStarterConfig(found, new Date("2026-12-07T12:00:00Z"));
    expect(text).toContain(`# stable name: ${path.join(byId, "scsi-35000e111c0ffee00-nst")}\n`);
    expect(text).toContain("[Drive 1]\n");
    expect(text).toContain("mount_point = /ltfs1\n");
  });
});
