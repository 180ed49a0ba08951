import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { simulatorLayout } from "../layout.ts";
import { writeIndex } from "./index-writer.ts";
import {
  attachLoopDevice,
  detachLoopDevice,
  type LoopDevice,
  loopDevicesBacking,
  mountPointsOf,
} from "./loop-device.ts";
import { fakePointer, type LtfsLog } from "./ltfs-log.ts";
import { readMountInfo } from "./mount-info.ts";
import { claimMountRecord, releaseMountRecord } from "./mount-record.ts";
import { withPrivateMount } from "./private-mount.ts";
import { runSystemCommand } from "./system-command.ts";
import {
  clearMediumDirty,
  markMediumDirty,
  printedSerial,
  readTapeLabel,
  tapeMediumFiles,
  writeTapeLabel,
} from "./tape-medium.ts";

/** Everything the daemon needs to serve one volume; the ltfs command works it out. */
export interface VolumeToServe {
  /** The device name as given to `ltfs -o devname=…`. */
  readonly devname: string;
  readonly stateDir: string;
  readonly driveIndex: number;
  readonly barcode: string;
  readonly tapeDir: string;
  /** Absolute, symlinks resolved. */
  readonly mountPoint: string;
  readonly readOnly: boolean;
  readonly driveSerial: string;
  /** How long writing the index takes after the unmount (ms), so that waiting for it matters. */
  readonly indexDelayMs: number;
}

const POLL_INTERVAL_MS = 20;

/** The mount source real LTFS gets from FUSE's fsname option: `ltfs:<devname>`. */
export function ltfsSourceName(devname: string): string {
  let name = devname.replace(/\/+$/, "") || devname;
  if (path.isAbsolute(name)) name = path.posix.normalize(name);
  else {
    name = path.posix.normalize(name);
    if (name.startsWith("..")) name = path.resolve(name);
  }
  return `ltfs:${name}`;
}

/**
 * Mounts the loop device so that /proc/mounts shows `ltfs:<devname>` as its source, as a real
 * LTFS FUSE mount does. mount(8) is given that name as a relative path (with
 * --no-canonicalize) from a folder in which it is a symlink to the loop device; the kernel
 * records the name exactly as passed.
 */
function mountUnderLtfsName(loop: LoopDevice, volume: VolumeToServe, runDir: string): void {
  const sourceName = ltfsSourceName(volume.devname);
  const sourceRoot = fs.mkdtempSync(path.join(runDir, "source-"));
  try {
    const link = path.join(sourceRoot, sourceName);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(loop.device, link);
    const options = `${volume.readOnly ? "ro" : "rw"},noinit_itable`;
    runSystemCommand(
      "mount",
      ["--no-canonicalize", "-t", "ext4", "-o", options, sourceName, volume.mountPoint],
      { cwd: sourceRoot },
    );
  } finally {
    fs.rmSync(sourceRoot, { recursive: true, force: true });
  }
}

/**
 * Whether the file system on `loop` is still mounted anywhere. Only this daemon's mount uses
 * the loop device, so its device number identifies the mount even when something else is
 * stacked on the same folder, and even if the mount is gone before we first look (a caller
 * may unmount as soon as the mount shows in /proc/mounts).
 */
function isStillMounted(loop: LoopDevice): boolean {
  return readMountInfo().some((entry) => entry.majorMinor === loop.majorMinor);
}

/** A volume mounted for a daemon: what the daemon needs to watch it and write its index. */
export interface MountedVolume {
  readonly loop: LoopDevice;
  /** The pid of the daemon that owns the mount (named in the mount record). */
  readonly daemonPid: number;
}

export type MountVolumeResult =
  | { readonly ok: true; readonly mounted: MountedVolume }
  | { readonly ok: false; readonly reason: string };

/**
 * Mounts the tape's medium for the daemon `daemonPid`: claims the drive's mount record, attaches
 * the image to a loop device (read-only for read-only mounts), mounts it under the name
 * `ltfs:<devname>`, and, for read-write mounts, sets the tape's dirty marker. The record and
 * the marker stay until that daemon has written the index (watchVolume).
 */
export function mountVolume(volume: VolumeToServe, daemonPid: number): MountVolumeResult {
  const runDir = simulatorLayout(volume.stateDir).runDir;
  const { image } = tapeMediumFiles(volume.tapeDir);
  const holder = claimMountRecord(volume.stateDir, volume.driveIndex, {
    pid: daemonPid,
    mountPoint: volume.mountPoint,
    barcode: volume.barcode,
    readOnly: volume.readOnly,
  });
  if (holder !== null) {
    return { ok: false, reason: `device busy: ltfs process ${holder.pid} holds ${volume.devname}` };
  }
  const release = () => releaseMountRecord(volume.stateDir, volume.driveIndex, daemonPid);
  const leftovers = loopDevicesBacking(image);
  const elsewhere = mountPointsOf(leftovers);
  if (elsewhere.length > 0) {
    release();
    return {
      ok: false,
      reason: `device busy: the medium is still mounted on ${elsewhere.join(", ")}`,
    };
  }
  try {
    for (const leftover of leftovers) detachLoopDevice(leftover.device);
    const loop = attachLoopDevice(image, { readOnly: volume.readOnly });
    try {
      mountUnderLtfsName(loop, volume, runDir);
      if (!volume.readOnly) markMediumDirty(volume.tapeDir, daemonPid);
      return { ok: true, mounted: { loop, daemonPid } };
    } catch (error) {
      detachLoopDevice(loop.device);
      throw error;
    }
  } catch (error) {
    release();
    return { ok: false, reason: `mount failed: ${(error as Error).message}` };
  }
}

/**
 * The daemon's life after the mount: waits until the volume is unmounted (`umount
 * <mountpoint>`, or SIGTERM/SIGINT/SIGHUP, on which it unmounts itself as LTFS does), then,
 * after `indexDelayMs`, writes the index and only then removes the dirty marker and the mount
 * record. A daemon killed with SIGKILL leaves both behind, and the next mount asks for ltfsck,
 * as after a real crash. Resolves with the exit code.
 */
export async function watchVolume(
  volume: VolumeToServe,
  mounted: MountedVolume,
  log: LtfsLog,
): Promise<number> {
  const runDir = simulatorLayout(volume.stateDir).runDir;
  log.say("14029I", "Ready to receive file system requests.");
  await waitForUnmount(mounted.loop, volume.mountPoint);
  let exitCode = 0;
  if (!volume.readOnly) {
    await sleep(volume.indexDelayMs);
    try {
      writeIndexAtUnmount(volume, mounted.loop, runDir, log);
      clearMediumDirty(volume.tapeDir);
    } catch (error) {
      // The marker stays: the next mount will want ltfsck, as after a real failed index write.
      log.line(`ltfs (simulated drive): writing the index failed: ${(error as Error).message}`);
      exitCode = 1;
    }
  }
  try {
    detachLoopDevice(mounted.loop.device);
  } catch {
    // Already gone.
  }
  log.say("11034I", "Volume unmounted successfully.");
  releaseMountRecord(volume.stateDir, volume.driveIndex, mounted.daemonPid);
  return exitCode;
}

/** Polls the mount table until our mount is gone; a termination signal unmounts it first. */
async function waitForUnmount(loop: LoopDevice, mountPoint: string): Promise<void> {
  const unmountOnSignal = () => {
    try {
      runSystemCommand("umount", ["--lazy", mountPoint]);
    } catch {
      // Already unmounted.
    }
  };
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];
  for (const signal of signals) process.on(signal, unmountOnSignal);
  try {
    while (isStillMounted(loop)) await sleep(POLL_INTERVAL_MS);
  } finally {
    for (const signal of signals) process.off(signal, unmountOnSignal);
  }
}

function writeIndexAtUnmount(
  volume: VolumeToServe,
  loop: LoopDevice,
  runDir: string,
  log: LtfsLog,
): void {
  const label = readTapeLabel(volume.tapeDir);
  if (label === null) throw new Error(`${volume.tapeDir} has no label.json`);
  // The same loop device: should a lazy unmount keep the file system alive, this mount
  // shares it instead of opening a second, conflicting instance of it.
  const result = withPrivateMount(loop.device, runDir, (root) =>
    writeIndex(root, label, { reason: "Unmount" }),
  );
  if (!result.written) {
    log.say(
      "17265I",
      "Skip writing the index because of the volume is not dirty and current self pointer points IP.",
    );
    return;
  }
  writeTapeLabel(volume.tapeDir, result.label);
  const serial = printedSerial(label);
  const { generation, indexPosition } = result.label;
  for (const partition of ["b", "a"] as const) {
    const position = partition === "b" ? indexPosition : 5;
    log.say(
      "17235I",
      `Writing index of ${serial} to ${partition} (Reason: Unmount, ${result.fileCount} files) ${volume.driveSerial}.`,
    );
    log.say(
      "17236I",
      `Wrote index of ${serial} (Gen = ${generation}, Part = ${partition}, Pos = ${position}, ${volume.driveSerial}).`,
    );
    if (partition === "b") {
      log.say("11337I", `Update index-dirty flag (0) - ${serial} (${fakePointer()}).`);
    }
  }
}
