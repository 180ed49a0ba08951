import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertReleased, inspectDrive, isReleased } from "../../../services/changer/index.ts";
import type { DriveConfig } from "../../../shared/config/types.ts";

/*
 * The changer's "may this tape leave the drive?" check on a mount table and a process table of
 * the test's own: the real /proc/mounts line of an LTFS mount (fixture), and fake /proc entries
 * for an LTFS process still running, one that is a zombie (exited), and one serving another drive.
 */

let root: string;
let mountTable: string;
let emptyMountTable: string;
let procRoot: string;
let emptyProc: string;

const drive: DriveConfig = {
  element: 0,
  device: "/dev/sg3",
  mountPoint: "/mnt/ltfs",
  serial: null,
};

function fakeProcess(pid: number, args: string[], state: string): void {
  const folder = path.join(procRoot, String(pid));
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, "cmdline"), `${args.join("\0")}\0`);
  fs.writeFileSync(path.join(folder, "stat"), `${pid} (ltfs) ${state} 1 ${pid} ${pid} 0 -1\n`);
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-occupancy-"));
  mountTable = path.join(root, "mounts");
  fs.copyFileSync(
    new URL(
      "../../fixtures/real/mounts/proc-mounts-ltfs-fuse-subtype-reconstructed.txt",
      import.meta.url,
    ),
    mountTable,
  );
  emptyMountTable = path.join(root, "no-mounts");
  fs.writeFileSync(emptyMountTable, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
  procRoot = path.join(root, "proc");
  emptyProc = path.join(root, "empty-proc");
  fs.mkdirSync(emptyProc);
  fakeProcess(4242, ["ltfs", "-o", "devname=/dev/sg3", "/mnt/ltfs"], "S");
  fakeProcess(4243, ["ltfs", "-o", "devname=/dev/sg3", "/mnt/ltfs"], "Z");
  fakeProcess(4244, ["ltfs", "-o", "devname=/dev/sg4", "/mnt/ltfs1"], "S");
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe("inspectDrive and assertReleased", () => {
  it("finds the LTFS mount at the drive's mount point and refuses the unload with TAPE_STILL_MOUNTED", async () => {
    const occupancy = await inspectDrive(drive, { mountTable, procRoot: emptyProc });
    expect(occupancy.mount?.source).toBe("ltfs:/dev/sg3");
    expect(occupancy.ltfsPids).toEqual([]);
    expect(isReleased(occupancy)).toBe(false);
    expect(() => assertReleased(occupancy, "AAK787L9", drive.mountPoint)).toThrow(
      expect.objectContaining({
        code: "TAPE_STILL_MOUNTED",
        drive: 0,
        message:
          "Tape AAK787L9 in drive 0 is still mounted at /mnt/ltfs (ltfs:/dev/sg3, fuse.ltfs); it is not unloaded while mounted.",
      }),
    );
  });

  it("refuses while the drive's LTFS process runs after the unmount, ignoring zombies and other drives", async () => {
    const occupancy = await inspectDrive(drive, { mountTable: emptyMountTable, procRoot });
    expect(occupancy).toEqual({ drive: 0, mount: null, ltfsPids: [4242] });
    let refusal: unknown;
    try {
      assertReleased(occupancy, "AAK787L9", drive.mountPoint);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({
      code: "TAPE_STILL_MOUNTED",
      message:
        "The LTFS process serving drive 0 (pid 4242) has not exited yet: it may still be writing the index of tape AAK787L9, so the tape is not unloaded.",
    });
    expect((refusal as { hint: string }).hint).toContain("Do not kill it");
  });

  it("lets the tape go when nothing is mounted there and no LTFS process serves the drive", async () => {
    const other: DriveConfig = {
      ...drive,
      element: 1,
      device: "/dev/sg9",
      mountPoint: "/mnt/ltfs9",
    };
    const occupancy = await inspectDrive(other, { mountTable, procRoot });
    expect(occupancy).toEqual({ drive: 1, mount: null, ltfsPids: [] });
    expect(isReleased(occupancy)).toBe(true);
    expect(() => assertReleased(occupancy, "AAK787L9", other.mountPoint)).not.toThrow();
  });
});
