import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  commandLineServes,
  findLtfsProcesses,
  LtfsStillRunningError,
  waitForLtfsExit,
} from "../../../../shared/hardware/ltfs/index.ts";
import { FakeProcessTable } from "./fake-proc.ts";
import { step } from "./ltfs-captures.ts";

const DEVICE = "/tmp/ltfs-tapes/TAPE010";
const MOUNT_POINT = "/tmp/ltfs-mnt";

/** `pgrep -a -x ltfs` in 04-mount-copy-xattr-umount-remount.txt: "26055 ltfs -o … /tmp/ltfs-mnt". */
function capturedLtfsProcess(): { pid: number; args: string[] } {
  const line = step("04-mount-copy-xattr-umount-remount.txt", "pgrep -a -x ltfs").stdout.trim();
  const [pid = "", ...args] = line.split(" ");
  return { pid: Number(pid), args };
}

describe("commandLineServes", () => {
  it("recognises the daemon of a captured mount by its devname and mount point (04-mount-copy-xattr-umount-remount.txt)", () => {
    const { args } = capturedLtfsProcess();
    expect(commandLineServes(args, DEVICE, MOUNT_POINT)).toBe(true);
    expect(commandLineServes(args, DEVICE, `${MOUNT_POINT}/`)).toBe(true);
  });

  it("does not take the daemon of another tape or another mount point", () => {
    const { args } = capturedLtfsProcess();
    expect(commandLineServes(args, "/tmp/ltfs-tapes/TAPE020", MOUNT_POINT)).toBe(false);
    expect(commandLineServes(args, DEVICE, "/tmp/ltfs-mnt2")).toBe(false);
  });

  it("finds devname inside a comma list and in the -odevname= spelling", () => {
    expect(
      commandLineServes(
        ["ltfs", "-o", "sync_type=unmount,devname=/dev/sg3", "/mnt/ltfs0"],
        "/dev/sg3",
        "/mnt/ltfs0",
      ),
    ).toBe(true);
    expect(
      commandLineServes(
        ["ltfs", "-odevname=/dev/sg3", "-f", "/mnt/ltfs0"],
        "/dev/sg3",
        "/mnt/ltfs0",
      ),
    ).toBe(true);
  });

  it("does not take other commands that name the mount point, such as umount or fuser", () => {
    expect(commandLineServes(["umount", "/mnt/ltfs0"], "/dev/sg3", "/mnt/ltfs0")).toBe(false);
    expect(commandLineServes(["fuser", "-km", "/mnt/ltfs0"], "/dev/sg3", "/mnt/ltfs0")).toBe(false);
  });
});

describe("waitForLtfsExit", () => {
  let dir: string;
  let table: FakeProcessTable;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-ltfs-proc-"));
    table = new FakeProcessTable(path.join(dir, "proc"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("returns at once when no ltfs process serves the mount", async () => {
    table.start(100, ["bash"]);
    const exit = await waitForLtfsExit({
      device: DEVICE,
      mountPoint: MOUNT_POINT,
      procRoot: table.root,
    });
    expect(exit.pids).toEqual([]);
  });

  it("waits until the daemon has exited, counting a zombie as exited (10-unmount-timing.txt)", async () => {
    const { pid, args } = capturedLtfsProcess();
    table.start(pid, args);
    let exited = false;
    const waiting = waitForLtfsExit({
      device: DEVICE,
      mountPoint: MOUNT_POINT,
      procRoot: table.root,
      pollIntervalMs: 10,
    }).then((exit) => ({ exit, exitedBefore: exited }));
    setTimeout(() => {
      table.becomeZombie(pid);
      exited = true;
    }, 150);
    const { exit, exitedBefore } = await waiting;
    expect(exitedBefore).toBe(true);
    // [pid] normally; [] only if a loaded machine started the scan after the exit.
    expect([[pid], []]).toContainEqual(exit.pids);
  });

  it("ignores a zombie left from an earlier mount (09-remount-race-after-umount.txt: [ltfs] <defunct>)", async () => {
    table.start(32226, ["ltfs", "-o", `devname=${DEVICE}`, MOUNT_POINT]);
    table.becomeZombie(32226);
    expect(
      await findLtfsProcesses({ device: DEVICE, mountPoint: MOUNT_POINT, procRoot: table.root }),
    ).toEqual([]);
  });

  it("throws LtfsStillRunningError naming the pid when the daemon does not exit in time", async () => {
    const { pid, args } = capturedLtfsProcess();
    table.start(pid, args);
    const error = await waitForLtfsExit({
      device: DEVICE,
      mountPoint: MOUNT_POINT,
      procRoot: table.root,
      timeoutMs: 120,
      pollIntervalMs: 10,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LtfsStillRunningError);
    expect(error).toMatchObject({ code: "LTFS_STILL_RUNNING", pids: [pid], device: DEVICE });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^The ltfs process for ${DEVICE} \\(pid ${pid}\\) was still running (\\d+ ms|[\\d.]+ s) after ${MOUNT_POINT} was unmounted`,
      ),
    );
    expect((error as LtfsStillRunningError).hint).toMatch(/^Do not unload or move the tape/);
  });

  it("stops waiting for a pid that was reaped and reused by another program", async () => {
    table.start(500, ["ltfs", "-o", "devname=/dev/sg3", "/mnt/ltfs0"]);
    let reused = false;
    const waiting = waitForLtfsExit({
      device: "/dev/sg3",
      mountPoint: "/mnt/ltfs0",
      procRoot: table.root,
      timeoutMs: 5_000,
      pollIntervalMs: 10,
    }).then((exit) => ({ exit, reusedBefore: reused }));
    setTimeout(() => {
      table.reap(500);
      table.start(500, ["sleep", "60"]);
      reused = true;
    }, 100);
    const { exit, reusedBefore } = await waiting;
    expect(reusedBefore).toBe(true);
    expect([[500], []]).toContainEqual(exit.pids);
  });

  it("finds and waits for a real process in this machine's /proc", async () => {
    const tag = `pyt-test-${process.pid}-${Date.now()}`;
    // sh keeps the arguments after its script in its command line, like an ltfs daemon; the
    // second command stops sh from replacing itself with sleep.
    const child = spawn(
      "sh",
      ["-c", "sleep 30; :", "ltfs", "-o", `devname=/dev/${tag}`, `/mnt/${tag}`],
      {
        detached: true,
      },
    );
    const query = { device: `/dev/${tag}`, mountPoint: `/mnt/${tag}` };
    try {
      // Right after sh forks for sleep, the fork briefly shows sh's command line too.
      const found = await findLtfsProcesses(query);
      expect(found.map((p) => p.pid)).toContain(child.pid);
      let ended = false;
      setTimeout(() => {
        ended = true;
        process.kill(-(child.pid ?? 0), "SIGTERM");
      }, 300);
      const exit = await waitForLtfsExit({ ...query, pollIntervalMs: 10, timeoutMs: 10_000 });
      // It never returns while the process runs. (On a loaded machine the first scan can even
      // start after the process ended; then there is nothing to wait for.)
      expect(ended).toBe(true);
      expect(exit.pids.every((pid) => found.some((p) => p.pid === pid))).toBe(true);
      expect(await findLtfsProcesses(query)).toEqual([]);
    } finally {
      try {
        process.kill(-(child.pid ?? 0), "SIGKILL");
      } catch {
        // Already gone, as it should be.
      }
    }
  });
});
