import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CommandResult, runCommand } from "../../../../shared/exec/index.ts";
import {
  createLtfsDrive,
  InvalidVolumeSerialError,
  type LtfsDrive,
  LtfsMountNotConfirmedError,
  LtfsMountPointInUseError,
  LtfsNotMountedError,
  LtfsStillRunningError,
  LtfsUnmountBusyError,
  TapeAlreadyFormattedError,
  TapeMountedError,
  TapeNeedsRecoveryError,
  TapeNotFormattedError,
} from "../../../../shared/hardware/ltfs/index.ts";
import { parseMountList } from "../../../../shared/hardware/mounts/index.ts";
import { FakeProcessTable } from "./fake-proc.ts";
import { type CapturedStep, readFixture, step, stepsRunning } from "./ltfs-captures.ts";

/*
 * The drive runs against a fake `run` that answers each command with a captured real run, a
 * mount table file and a process table folder that the fake "kernel" below keeps up to date.
 */

const DEVICE = "/dev/sg3";
const LTFS_PID = 4242;

interface Call {
  readonly command: string;
  readonly args: readonly string[];
}

type Handler = (args: readonly string[]) => CapturedStep | Promise<CapturedStep>;

let dir: string;
let mountPoint: string;
let mountTable: string;
let processes: FakeProcessTable;
let calls: Call[];
let handlers: Record<string, Handler>;

function run(command: string, args: readonly string[]): Promise<CommandResult> {
  calls.push({ command, args: [...args] });
  const handler = handlers[command];
  if (!handler) throw new Error(`unexpected command ${command}`);
  return Promise.resolve(handler(args)).then((captured) => ({
    command,
    args,
    exitCode: captured.exitCode,
    signal: null,
    stdout: captured.stdout,
    stderr: captured.stderr,
    durationMs: 5,
  }));
}

function drive(overrides: Partial<Parameters<typeof createLtfsDrive>[0]> = {}): LtfsDrive {
  return createLtfsDrive({
    tools: { mkltfs: "mkltfs", ltfs: "ltfs", ltfsck: "ltfsck", umount: "umount" },
    device: DEVICE,
    mountPoint,
    mountTable,
    mountOptions: ["sync_type=unmount"],
    mkltfsOptions: ["-e", "file"],
    ltfsckOptions: ["-e", "file"],
    run: run as typeof runCommand,
    procRoot: processes.root,
    mountConfirmTimeoutMs: 300,
    exitTimeoutMs: 2_000,
    pollIntervalMs: 10,
    ...overrides,
  });
}

/** /proc/mounts writes blanks in fields as octal escapes. */
function encodeField(value: string): string {
  return value.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

/** The fake kernel mounts what a captured `mount | grep ltfs` showed, at our mount point. */
function kernelMounts(mountListLine: string, at = mountPoint): void {
  const [entry] = parseMountList(mountListLine);
  if (!entry) throw new Error("no mount line");
  const line = `${entry.source} ${encodeField(at)} ${entry.fsType} ${entry.options.join(",")} 0 0\n`;
  fs.appendFileSync(mountTable, line);
}

function kernelUnmounts(): void {
  const kept = fs
    .readFileSync(mountTable, "utf8")
    .split("\n")
    .filter((line) => line !== "" && line.split(" ")[1] !== encodeField(mountPoint));
  fs.writeFileSync(mountTable, kept.map((line) => `${line}\n`).join(""));
}

/** `mount | grep ltfs` output captured right after the mount in 04 (type fuse, rw). */
const CAPTURED_MOUNT_LINE = step(
  "04-mount-copy-xattr-umount-remount.txt",
  "mountpoint /tmp/ltfs-mnt; mount | grep ltfs",
).stdout.split("\n")[1] as string;

/** A successful captured ltfs mount that also makes the fake kernel mount and start a daemon. */
function ltfsMountsSuccessfully(args: readonly string[]): CapturedStep {
  kernelMounts(CAPTURED_MOUNT_LINE);
  processes.start(LTFS_PID, ["ltfs", ...args]);
  return stepsRunning("04-mount-copy-xattr-umount-remount.txt", "ltfs -o")[0] as CapturedStep;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-ltfs-drive-"));
  // A blank in the mount point exercises the \040 escapes of the mount table.
  mountPoint = path.join(dir, "mnt", "tape 0");
  fs.mkdirSync(mountPoint, { recursive: true });
  mountTable = path.join(dir, "mounts");
  fs.writeFileSync(mountTable, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
  processes = new FakeProcessTable(path.join(dir, "proc"));
  calls = [];
  handlers = {};
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("LtfsDrive.format", () => {
  it("runs mkltfs with device, serial, name and the configured options, and returns the new UUID (01-format-new-tape.txt)", async () => {
    handlers.mkltfs = () =>
      step(
        "01-format-new-tape.txt",
        "mkltfs -e file -d /tmp/ltfs-tapes/TAPE002 -s TAPE02 -n 'My Volume'",
      );
    const result = await drive().format({ volumeSerial: "AAK788", volumeName: "My Volume" });
    expect(calls).toEqual([
      { command: "mkltfs", args: ["-d", DEVICE, "-s", "AAK788", "-n", "My Volume", "-e", "file"] },
    ]);
    expect(result).toMatchObject({
      volumeSerial: "AAK788",
      volumeUuid: "4865526d-ba0e-49e5-8116-003f3c6fc3c5",
      capacityGB: 3,
    });
  });

  it("passes -f only when forced", async () => {
    handlers.mkltfs = () =>
      step("02-format-errors.txt", "mkltfs -f -e file -d /tmp/ltfs-tapes/TAPE002 -s TAPE02");
    await drive().format({ volumeSerial: "TAPE02", force: true });
    expect(calls[0]?.args).toEqual(["-d", DEVICE, "-s", "TAPE02", "-f", "-e", "file"]);
  });

  it("refuses a serial mkltfs would reject before running anything", async () => {
    const error = await drive()
      .format({ volumeSerial: "abc123" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidVolumeSerialError);
    expect(error).toMatchObject({ code: "LTFS_INVALID_VOLUME_SERIAL" });
    expect((error as Error).message).toBe(
      '"abc123" cannot be an LTFS volume serial: it must be exactly 6 characters, digits and capital letters only',
    );
    expect(calls).toEqual([]);
  });

  it("throws TapeAlreadyFormattedError for a formatted tape (02-format-errors.txt)", async () => {
    handlers.mkltfs = () =>
      step("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/TAPE002");
    await expect(drive().format({ volumeSerial: "TAPE02" })).rejects.toBeInstanceOf(
      TapeAlreadyFormattedError,
    );
  });

  it("will not format a mounted tape", async () => {
    kernelMounts(CAPTURED_MOUNT_LINE);
    await expect(drive().format({ volumeSerial: "TAPE02" })).rejects.toBeInstanceOf(
      TapeMountedError,
    );
    await expect(drive().format({ volumeSerial: "TAPE02" })).rejects.toMatchObject({
      code: "LTFS_TAPE_MOUNTED",
    });
    expect(calls).toEqual([]);
  });
});

describe("LtfsDrive.mount", () => {
  it("runs ltfs with devname, ro and each configured option, and returns the mount the table shows", async () => {
    handlers.ltfs = ltfsMountsSuccessfully;
    const mount = await drive().mount({ readOnly: true });
    expect(calls).toEqual([
      {
        command: "ltfs",
        args: ["-o", `devname=${DEVICE}`, "-o", "ro", "-o", "sync_type=unmount", mountPoint],
      },
    ]);
    expect(mount).toMatchObject({
      device: DEVICE,
      mountPoint,
      source: "ltfs:/tmp/ltfs-tapes/TAPE010",
      fsType: "fuse",
      readOnly: false,
      volumeSerial: "TAPE10",
      generation: 1,
    });
    expect(await drive().isMounted()).toBe(true);
  });

  it("reports a read-only mount as the mount table shows it (11-mount-options-readonly.txt)", async () => {
    const roLine = step(
      "11-mount-options-readonly.txt",
      "mount | grep ltfs; touch /tmp/ltfs-mnt/x; echo rc=$?",
    ).stdout.split("\n")[0] as string;
    handlers.ltfs = () => {
      kernelMounts(roLine);
      return stepsRunning("11-mount-options-readonly.txt", "ltfs -o")[0] as CapturedStep;
    };
    expect(await drive().mount({ readOnly: true })).toMatchObject({
      readOnly: true,
      volumeSerial: "TAPE70",
    });
  });

  it("throws LtfsMountNotConfirmedError when ltfs exits 0 but FUSE mounted nothing (06-mount-twice.txt)", async () => {
    handlers.ltfs = () =>
      step(
        "06-mount-twice.txt",
        "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE021 /tmp/ltfs-mnt-nonempty",
      );
    const error = await drive()
      .mount()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LtfsMountNotConfirmedError);
    expect(error).toMatchObject({ code: "LTFS_MOUNT_NOT_CONFIRMED" });
    expect((error as Error).message).toContain("fuse: mountpoint is not empty");
    expect(await drive().isMounted()).toBe(false);
  });

  it("throws LtfsMountNotConfirmedError when a clean exit 0 never shows up in the mount table", async () => {
    handlers.ltfs = () =>
      stepsRunning("04-mount-copy-xattr-umount-remount.txt", "ltfs -o")[0] as CapturedStep;
    const started = performance.now();
    const error = await drive()
      .mount()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LtfsMountNotConfirmedError);
    expect(error).toMatchObject({ code: "LTFS_MOUNT_NOT_CONFIRMED" });
    expect((error as Error).message).toBe(
      `ltfs reported success for ${DEVICE}, but ${mountTable} shows nothing mounted at ${mountPoint}`,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("accepts a mount that appears in the table only after ltfs returned", async () => {
    handlers.ltfs = () => {
      setTimeout(() => kernelMounts(CAPTURED_MOUNT_LINE), 100);
      return stepsRunning("04-mount-copy-xattr-umount-remount.txt", "ltfs -o")[0] as CapturedStep;
    };
    expect((await drive({ mountConfirmTimeoutMs: 3_000 }).mount()).source).toBe(
      "ltfs:/tmp/ltfs-tapes/TAPE010",
    );
  });

  it("will not mount on top of something already mounted there", async () => {
    kernelMounts("ltfs:/tmp/ltfs-tapes/TAPE020 on /x type fuse (rw,nosuid,nodev)");
    const error = await drive()
      .mount()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LtfsMountPointInUseError);
    expect(error).toMatchObject({ code: "LTFS_MOUNT_POINT_IN_USE" });
    expect((error as Error).message).toBe(
      `Cannot mount the tape in ${DEVICE} at ${mountPoint}: ltfs:/tmp/ltfs-tapes/TAPE020 (fuse) is already mounted there`,
    );
    expect(calls).toEqual([]);
  });

  it("throws TapeNotFormattedError for a blank tape (03-mount-unformatted.txt)", async () => {
    handlers.ltfs = () =>
      step(
        "03-mount-unformatted.txt",
        "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/BLANK1 /tmp/ltfs-mnt",
      );
    await expect(drive().mount()).rejects.toBeInstanceOf(TapeNotFormattedError);
  });

  it("throws TapeNeedsRecoveryError after a crash (08-ltfsck.txt)", async () => {
    handlers.ltfs = () =>
      stepsRunning("08-ltfsck.txt", "ltfs -o").find((run) => run.exitCode === 1) as CapturedStep;
    await expect(drive().mount()).rejects.toBeInstanceOf(TapeNeedsRecoveryError);
  });
});

describe("LtfsDrive.isMounted", () => {
  it("finds the mount when the configured mount point goes through a symlink", async () => {
    fs.symlinkSync(path.dirname(mountPoint), path.join(dir, "link"));
    kernelMounts(CAPTURED_MOUNT_LINE);
    const viaLink = drive({ mountPoint: path.join(dir, "link", path.basename(mountPoint)) });
    expect(await viaLink.isMounted()).toBe(true);
    expect((await viaLink.currentMount())?.mountPoint).toBe(mountPoint);
  });

  it("is false when only a parent folder is mounted", async () => {
    kernelMounts(CAPTURED_MOUNT_LINE, path.dirname(mountPoint));
    expect(await drive().isMounted()).toBe(false);
  });
});

describe("LtfsDrive.unmount", () => {
  it("runs umount and returns only after the ltfs daemon has exited (10-unmount-timing.txt)", async () => {
    handlers.ltfs = ltfsMountsSuccessfully;
    const tapeDrive = drive();
    await tapeDrive.mount();
    let daemonExited = false;
    handlers.umount = () => {
      kernelUnmounts();
      // umount returns first; the daemon finishes the index and exits a little later.
      setTimeout(() => {
        processes.becomeZombie(LTFS_PID);
        daemonExited = true;
      }, 150);
      return step("04-mount-copy-xattr-umount-remount.txt", "umount /tmp/ltfs-mnt");
    };
    const result = await tapeDrive.unmount();
    expect(daemonExited).toBe(true);
    expect(calls.at(-1)).toEqual({ command: "umount", args: [mountPoint] });
    expect(result.wasMounted).toBe(true);
    // [LTFS_PID] normally; [] only if a loaded machine looked after the daemon had exited.
    expect([[LTFS_PID], []]).toContainEqual(result.ltfsPids);
    expect(await tapeDrive.isMounted()).toBe(false);
  });

  it("throws LtfsStillRunningError when the daemon does not exit in time", async () => {
    handlers.ltfs = ltfsMountsSuccessfully;
    const tapeDrive = drive({ exitTimeoutMs: 150 });
    await tapeDrive.mount();
    handlers.umount = () => {
      kernelUnmounts();
      return step("04-mount-copy-xattr-umount-remount.txt", "umount /tmp/ltfs-mnt");
    };
    const error = await tapeDrive.unmount().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LtfsStillRunningError);
    expect(error).toMatchObject({ code: "LTFS_STILL_RUNNING" });
    expect(error).toMatchObject({ pids: [LTFS_PID], device: DEVICE, mountPoint });
  });

  it("throws LtfsUnmountBusyError when processes still use the mount (umount-target-is-busy-util-linux-hint-TRUNCATED.txt)", async () => {
    kernelMounts(CAPTURED_MOUNT_LINE);
    handlers.umount = () => ({
      commandLine: "umount",
      stdout: "",
      stderr: readFixture("real/umount/umount-target-is-busy-util-linux-hint-TRUNCATED.txt"),
      exitCode: 32,
    });
    const error = await drive()
      .unmount()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LtfsUnmountBusyError);
    expect(error).toMatchObject({ code: "LTFS_UNMOUNT_BUSY" });
    expect((error as Error).message).toBe(
      `Cannot unmount ${mountPoint}: it is still in use (umount: /mnt/testfs: target is busy.)`,
    );
    expect((error as LtfsUnmountBusyError).hint).toContain(`fuser -vm ${mountPoint}`);
  });

  it("accepts umount's 'not mounted' when the mount went away meanwhile (06-mount-twice.txt)", async () => {
    kernelMounts(CAPTURED_MOUNT_LINE);
    handlers.umount = () => {
      kernelUnmounts();
      return step("06-mount-twice.txt", "mount | grep ltfs; umount /tmp/ltfs-mnt");
    };
    expect(await drive().unmount()).toMatchObject({ wasMounted: true, ltfsPids: [] });
  });

  it("only waits for a leftover daemon when nothing is mounted", async () => {
    const result = await drive().unmount();
    expect(result).toMatchObject({ wasMounted: false, ltfsPids: [] });
    expect(calls).toEqual([]);
  });
});

describe("LtfsDrive.check", () => {
  it("runs ltfsck with the configured options, -f when fixing, and the device last (08-ltfsck.txt)", async () => {
    handlers.ltfsck = () => step("08-ltfsck.txt", "ltfsck -e file -f /tmp/ltfs-tapes/TAPE030");
    const result = await drive().check({ fix: true });
    expect(calls).toEqual([{ command: "ltfsck", args: ["-e", "file", "-f", DEVICE] }]);
    expect(result).toMatchObject({
      recovered: true,
      volumeSerial: "TAPE30",
      volumeUuid: "9c717ffb-aaa7-4801-999b-f271239d5060",
      generation: 5,
    });
  });

  it("counts ltfsck's exit 1 on a clean tape as success (06-mount-twice.txt)", async () => {
    handlers.ltfsck = () => step("06-mount-twice.txt", "ltfsck -e file /tmp/ltfs-tapes/TAPE020");
    expect(await drive().check()).toMatchObject({
      recovered: false,
      volumeSerial: "TAPE20",
      generation: 2,
    });
    expect(calls[0]?.args).toEqual(["-e", "file", DEVICE]);
  });

  it("throws TapeNotFormattedError for a blank tape (03-mount-unformatted.txt)", async () => {
    handlers.ltfsck = () =>
      step("03-mount-unformatted.txt", "ltfsck -e file /tmp/ltfs-tapes/BLANK1");
    await expect(drive().check()).rejects.toBeInstanceOf(TapeNotFormattedError);
  });

  it("will not check a mounted tape (LTFS does not lock it)", async () => {
    kernelMounts(CAPTURED_MOUNT_LINE);
    await expect(drive().check()).rejects.toBeInstanceOf(TapeMountedError);
    expect(calls).toEqual([]);
  });
});

describe("LtfsDrive.freeSpace", () => {
  it("reports the size and free space of the mounted file system, as df does", async () => {
    kernelMounts(CAPTURED_MOUNT_LINE);
    const space = await drive().freeSpace();
    const df = await runCommand("df", ["-B1", "--output=size,avail", mountPoint]);
    const [size, avail] = (df.stdout.trim().split("\n")[1] ?? "").trim().split(/\s+/).map(Number);
    expect(space.totalBytes).toBe(size);
    // Other programs write to the same disk meanwhile; allow a little drift.
    expect(Math.abs(space.freeBytes - (avail ?? 0))).toBeLessThan(64 * 1024 * 1024);
  });

  it("refuses when nothing is mounted, instead of reporting the disk underneath", async () => {
    await expect(drive().freeSpace()).rejects.toBeInstanceOf(LtfsNotMountedError);
    await expect(drive().freeSpace()).rejects.toMatchObject({ code: "LTFS_NOT_MOUNTED" });
  });
});
