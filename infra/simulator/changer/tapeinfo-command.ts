import fs from "node:fs";
import { takeFault } from "../faults.ts";
import { parseDriveDevice, simulatorLayout } from "../layout.ts";
import { type LibraryState, readLibrary, type SimulatedDrive } from "../library-state.ts";
import { isDriveHeldByLtfs } from "./drive-hold.ts";
import { formatInquiry } from "./inquiry.ts";
import { formatTapeAlerts } from "./tape-alert.ts";
import { fatalError, runTool, type ToolIO } from "./tool-io.ts";

const PROGRAM = "tapeinfo";

/** The simulated drives are half-height LTO-9 drives (lsscsi lists them the same). */
export const DRIVE_INQUIRY = {
  productType: "Tape Drive",
  vendor: "IBM",
  product: "ULTRIUM-HH9",
  revision: "Q3F2",
} as const;

/** Density codes by LTO cartridge type (the barcode's last two characters). */
const DENSITY_BY_MEDIA: Readonly<Record<string, number>> = {
  L5: 0x58,
  L6: 0x5a,
  L7: 0x5c,
  M8: 0x5d,
  L8: 0x5e,
  L9: 0x60,
};
const DEFAULT_DENSITY = 0x60;
const MEDIUM_TYPE = 0x88;
const MAX_PARTITIONS = 3;

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/**
 * The simulated `tapeinfo -f <state>/drives/<n>`: the lines real tapeinfo prints for an IBM
 * LTO drive, in its order. Without a ready medium (drive empty, cleaning cartridge, injected
 * not-ready) the report stops at `Ready: no`, as the real one does. While LTFS holds the drive,
 * opening it fails with EBUSY.
 */
export function runTapeinfo(args: readonly string[], io: ToolIO): number {
  return runTool(() => {
    if (args.length !== 2) {
      io.stderr(`argc=${args.length + 1}`);
      fatalError(io, PROGRAM, "Usage: tapeinfo -f <generic-device>");
    }
    if (args[0] !== "-f") fatalError(io, PROGRAM, "Usage: tapeinfo -f <generic-device>");
    const device = args[1] as string;
    const { stateDir, driveIndex, state, drive } = openDrive(io, device);
    io.stdout(formatInquiry(DRIVE_INQUIRY));
    io.stdout(`SerialNumber: '${drive.serial}'\n`);
    io.stdout(formatTapeAlerts(drive.tapeAlerts ?? []));
    io.stdout("MinBlock: 1\nMaxBlock: 8388608\n");
    io.stdout(`SCSI ID: ${driveIndex + 1}\nSCSI LUN: 0\n`);
    if (!isReady(stateDir, state, drive)) {
      io.stdout("Ready: no\n");
      return 0;
    }
    io.stdout("Ready: yes\n");
    io.stdout(formatMediumReport(stateDir, state, drive.barcode as string));
    return 0;
  });
}

function openDrive(
  io: ToolIO,
  device: string,
): { stateDir: string; driveIndex: number; state: LibraryState; drive: SimulatedDrive } {
  const parsed = parseDriveDevice(device);
  if (!parsed || !fs.existsSync(simulatorLayout(parsed.stateDir).libraryFile)) {
    noSuchDevice(io, device);
  }
  const { stateDir, driveIndex } = parsed;
  const state = readLibrary(stateDir);
  const drive = state.drives[driveIndex];
  if (!drive) noSuchDevice(io, device);
  if (isDriveHeldByLtfs(stateDir, driveIndex)) {
    fatalError(io, PROGRAM, `cannot open SCSI device '${device}' - Device or resource busy`);
  }
  return { stateDir, driveIndex, state, drive };
}

function noSuchDevice(io: ToolIO, device: string): never {
  return fatalError(io, PROGRAM, `cannot open SCSI device '${device}' - No such file or directory`);
}

/** TEST UNIT READY: a data cartridge is loaded and no not-ready fault is waiting. */
function isReady(stateDir: string, state: LibraryState, drive: SimulatedDrive): boolean {
  if (drive.barcode === null) return false;
  // A cleaning cartridge cleans and then sits unusable until unloaded.
  if (state.cartridges[drive.barcode]?.cleaning) return false;
  const fault = takeFault(stateDir, {
    tool: "tapeinfo",
    kind: "not-ready",
    driveIndex: drive.index,
  });
  return fault === null;
}

/** Mode sense, position, capacity, configuration and partition pages of a ready drive. */
function formatMediumReport(stateDir: string, state: LibraryState, barcode: string): string {
  const cartridge = state.cartridges[barcode];
  const density = DENSITY_BY_MEDIA[barcode.slice(-2).toUpperCase()] ?? DEFAULT_DENSITY;
  const lines: string[] = [];
  if (cartridge?.writeProtected) lines.push("WriteProtect: yes");
  lines.push(
    "BufferedMode: yes",
    `Medium Type: ${hex(MEDIUM_TYPE)}`,
    `Density Code: ${hex(density)}`,
    "BlockSize: 0",
    "DataCompEnabled: yes",
    "DataCompCapable: yes",
    "DataDeCompEnabled: yes",
    "CompType: 0xff",
    "DeCompType: 0xff",
    // Loading rewinds; LTFS rewinds again before it lets go of the tape.
    "BOP: yes",
    "Block Position: 0",
    // IBM drives do not fill the capacity log page tapeinfo asks for: -1 is what they show.
    "Partition 0 Remaining Kbytes: -1",
    "Partition 0 Size in Kbytes: -1",
    "ActivePartition: 0",
    "EarlyWarningSize: 0",
  );
  lines.push(...partitionLines(stateDir, barcode, cartridge?.capacityMiB ?? 0));
  return `${lines.join("\n")}\n`;
}

/**
 * The medium partition page. A blank cartridge has one partition; an LTFS-formatted one has
 * two (index and data), reported in MB. The simulated tape is formatted when its folder holds
 * anything.
 */
function partitionLines(stateDir: string, barcode: string, capacityMiB: number): string[] {
  const tapeDir = simulatorLayout(stateDir).tapeDir(barcode);
  const formatted = fs.existsSync(tapeDir) && fs.readdirSync(tapeDir).length > 0;
  if (!formatted) return ["NumPartitions: 0", `MaxPartitions: ${MAX_PARTITIONS}`];
  const indexPartition = Math.max(1, Math.round(capacityMiB / 400));
  const dataPartition = Math.max(0, capacityMiB - indexPartition);
  const sizes = [indexPartition, dataPartition, 0, 0].map((size) => Math.min(size, 0xffff));
  return [
    "NumPartitions: 1",
    `MaxPartitions: ${MAX_PARTITIONS}`,
    ...sizes.map((size, partition) => `Partition${partition}: ${size}`),
  ];
}
