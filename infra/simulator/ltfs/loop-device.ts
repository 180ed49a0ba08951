import fs from "node:fs";
import path from "node:path";
import { readMountInfo } from "./mount-info.ts";
import { runSystemCommand } from "./system-command.ts";

/** A loop block device backed by a tape's medium image. */
export interface LoopDevice {
  /** "/dev/loop3" */
  readonly device: string;
  /** "7:3", as mountinfo names the device of a mounted file system. */
  readonly majorMinor: string;
}

const SYS_BLOCK = "/sys/block";

/** Attaches `image` to a free loop device (`losetup --find --show`), read-only if asked. */
export function attachLoopDevice(image: string, options: { readOnly: boolean }): LoopDevice {
  const args = ["--find", "--show", ...(options.readOnly ? ["--read-only"] : []), image];
  const device = runSystemCommand("losetup", args).trim();
  return { device, majorMinor: loopMajorMinor(path.basename(device)) };
}

/**
 * Detaches a loop device. On a device still in use the kernel only marks it for detaching when
 * its last user goes (autoclear), which is what we want after a lazy unmount.
 */
export function detachLoopDevice(device: string): void {
  runSystemCommand("losetup", ["--detach", device]);
}

function loopMajorMinor(name: string): string {
  return fs.readFileSync(path.join(SYS_BLOCK, name, "dev"), "utf8").trim();
}

/** The loop devices whose backing file is `image`. */
export function loopDevicesBacking(image: string): LoopDevice[] {
  let wanted: string;
  try {
    wanted = fs.realpathSync(image);
  } catch {
    return [];
  }
  let names: string[];
  try {
    names = fs.readdirSync(SYS_BLOCK).filter((name) => /^loop\d+$/.test(name));
  } catch {
    return [];
  }
  const found: LoopDevice[] = [];
  for (const name of names) {
    let backing: string;
    try {
      backing = fs.readFileSync(path.join(SYS_BLOCK, name, "loop", "backing_file"), "utf8").trim();
    } catch {
      continue; // not attached
    }
    if (backing === wanted)
      found.push({ device: `/dev/${name}`, majorMinor: loopMajorMinor(name) });
  }
  return found;
}

/** Mount points where the file system on one of these loop devices is mounted. */
export function mountPointsOf(devices: readonly LoopDevice[]): string[] {
  const numbers = new Set(devices.map((device) => device.majorMinor));
  return readMountInfo()
    .filter((entry) => numbers.has(entry.majorMinor))
    .map((entry) => entry.mountPoint);
}
