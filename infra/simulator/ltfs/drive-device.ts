import fs from "node:fs";
import path from "node:path";
import { parseDriveDevice, simulatorLayout } from "../layout.ts";
import { readLibrary, type SimulatedCartridge } from "../library-state.ts";

/** What a device name given to mkltfs, ltfs or ltfsck reaches in a simulated library. */
export type DriveDevice =
  /** Not a drive of a simulated library (or its state folder is gone). */
  | { readonly kind: "no-device" }
  /** A drive with no cartridge in it: `<state>/drives/<n>` does not exist. */
  | { readonly kind: "empty"; readonly stateDir: string; readonly driveIndex: number }
  | LoadedDrive;

export interface LoadedDrive {
  readonly kind: "loaded";
  readonly stateDir: string;
  readonly driveIndex: number;
  readonly barcode: string;
  readonly tapeDir: string;
  readonly cartridge: SimulatedCartridge;
  /** The drive's serial number, which real LTFS prints at the end of its index messages. */
  readonly driveSerial: string;
}

/** Cartridges missing from library.json (a hand-made state) behave as plain 1 GiB data tapes. */
const UNKNOWN_CARTRIDGE: SimulatedCartridge = {
  capacityMiB: 1024,
  cleaning: false,
  writeProtected: false,
};

/**
 * Follows `<state>/drives/<n>` to the loaded tape's folder. The drive's symlink points to
 * `../tapes/<barcode>` while a cartridge is loaded (see layout.ts).
 */
export function lookupDriveDevice(device: string): DriveDevice {
  const parsed = parseDriveDevice(device);
  if (parsed === null) return { kind: "no-device" };
  const layout = simulatorLayout(parsed.stateDir);
  let library: ReturnType<typeof readLibrary>;
  try {
    library = readLibrary(layout.stateDir);
  } catch {
    return { kind: "no-device" };
  }
  const drive = library.drives.find((candidate) => candidate.index === parsed.driveIndex);
  if (drive === undefined) return { kind: "no-device" };
  const empty = { kind: "empty", stateDir: layout.stateDir, driveIndex: drive.index } as const;
  let tapeDir: string;
  try {
    tapeDir = fs.realpathSync(layout.driveDevice(drive.index));
  } catch {
    return empty;
  }
  if (!fs.statSync(tapeDir).isDirectory()) return empty;
  const barcode = path.basename(tapeDir);
  return {
    kind: "loaded",
    stateDir: layout.stateDir,
    driveIndex: drive.index,
    barcode,
    tapeDir,
    cartridge: library.cartridges[barcode] ?? UNKNOWN_CARTRIDGE,
    driveSerial: drive.serial,
  };
}
