import fs from "node:fs";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { linkDriveToTape } from "./changer/library-robot.ts";
import { DEFAULT_VOLUME_TAG_WIDTH } from "./changer/volume-tag.ts";
import { writeFaults } from "./faults.ts";
import { installSimulatorBin } from "./install-bin.ts";
import { type SimulatorLayout, simulatorLayout } from "./layout.ts";
import type {
  LibraryState,
  SimulatedCartridge,
  SimulatedDrive,
  SimulatedSlot,
} from "./library-state.ts";
import { writeLibrary } from "./library-state.ts";

/** A drive that starts with a cartridge in it, taken from `slot` (mtx's `load <slot> <drive>`). */
export interface LoadedAtStart {
  readonly drive: number;
  readonly slot: number;
}

export interface CreateLibraryOptions {
  /** Folder to create (or an empty one to fill). */
  readonly stateDir: string;
  /** Number of drives (default 2). */
  readonly drives?: number;
  /** Number of storage slots, import/export slots not counted (default 24). */
  readonly slots?: number;
  /** Import/export (mail) slots, numbered after the storage slots (default 1). */
  readonly importExportSlots?: number;
  /** Data cartridges, filling storage slots 1, 2, … in this order. */
  readonly barcodes?: readonly string[];
  /** Instead of `barcodes`: this many data cartridges SIM001L9, SIM002L9, … (default 10). */
  readonly generate?: number;
  /** Cleaning cartridges, in the storage slots after the data cartridges. */
  readonly cleaning?: readonly string[];
  /** Capacity of each data cartridge in MiB (default 1024). */
  readonly capacityMiB?: number;
  /** Drives loaded at start. */
  readonly loaded?: readonly LoadedAtStart[];
  /** Changer INQUIRY vendor and product (default IBM 3573-TL) and revision. */
  readonly vendor?: string;
  readonly product?: string;
  readonly revision?: string;
  /** Pad volume tags with spaces to this width, as libraries do; 0 = no padding (default 32). */
  readonly volumeTagWidth?: number;
  /** Duration of one robot move in ms (default 50). */
  readonly moveDelayMs?: number;
  /** Cartridges whose write-protect tab is set. */
  readonly writeProtected?: readonly string[];
  /** Cartridges without a readable label (mtx shows `Full ` without VolumeTag). */
  readonly unlabelled?: readonly string[];
}

const BARCODE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

function invalid(message: string, hint: string): PytarchiveError {
  return new PytarchiveError("SIM_INVALID_OPTION", message, { hint });
}

function countOption(name: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw invalid(
      `${name} must be a whole number of at least ${minimum}, not ${value}.`,
      `Run \`pytarchive-sim create --help\` for the options.`,
    );
  }
  return value;
}

function generatedBarcodes(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `SIM${String(i + 1).padStart(3, "0")}L9`);
}

/** Builds library.json's content; throws SIM_INVALID_OPTION on options that do not fit. */
export function planLibrary(options: CreateLibraryOptions): LibraryState {
  const driveCount = countOption("drives", options.drives ?? 2, 1);
  const storageSlots = countOption("slots", options.slots ?? 24, 1);
  const mailSlots = countOption("import/export slots", options.importExportSlots ?? 1, 0);
  const cleaning = options.cleaning ?? [];
  const capacityMiB = countOption("capacity (MiB)", options.capacityMiB ?? 1024, 1);
  const data =
    options.barcodes ??
    generatedBarcodes(
      options.generate ?? Math.max(0, Math.min(10, storageSlots - cleaning.length)),
    );
  const all = [...data, ...cleaning];
  for (const barcode of all) {
    if (!BARCODE_PATTERN.test(barcode)) {
      throw invalid(
        `Barcode "${barcode}" cannot be used: barcodes are 1 to 32 letters, digits, "_" or "-".`,
        "LTO barcodes look like AAK780L9 (data) or CLN001L1 (cleaning).",
      );
    }
  }
  const duplicate = all.find((barcode, i) => all.indexOf(barcode) !== i);
  if (duplicate !== undefined) {
    throw invalid(`Barcode ${duplicate} is given twice.`, "Each cartridge needs its own barcode.");
  }
  if (all.length > storageSlots) {
    throw invalid(
      `${all.length} cartridges do not fit in ${storageSlots} storage slots.`,
      "Give fewer barcodes or more --slots.",
    );
  }
  for (const barcode of [...(options.writeProtected ?? []), ...(options.unlabelled ?? [])]) {
    if (!all.includes(barcode)) {
      throw invalid(
        `Cartridge ${barcode} is not in the library.`,
        "Name a barcode given with --barcodes or --cleaning.",
      );
    }
  }

  const cartridges: Record<string, SimulatedCartridge> = {};
  for (const barcode of all) {
    const isCleaning = cleaning.includes(barcode);
    cartridges[barcode] = {
      capacityMiB: isCleaning ? 0 : capacityMiB,
      cleaning: isCleaning,
      writeProtected: options.writeProtected?.includes(barcode) ?? false,
    };
  }
  const slots: SimulatedSlot[] = [];
  for (let index = 1; index <= storageSlots + mailSlots; index += 1) {
    const barcode = index <= storageSlots ? (all[index - 1] ?? null) : null;
    const slot: SimulatedSlot = { index, barcode, importExport: index > storageSlots };
    if (barcode !== null && options.unlabelled?.includes(barcode)) slot.unlabelled = true;
    slots.push(slot);
  }
  const drives: SimulatedDrive[] = Array.from({ length: driveCount }, (_, index) => ({
    index,
    barcode: null,
    sourceSlot: null,
    serial: `SIMDRV${String(index).padStart(4, "0")}`,
  }));
  for (const { drive: driveIndex, slot: slotNumber } of options.loaded ?? []) {
    const drive = drives[driveIndex];
    const slot = slots[slotNumber - 1];
    if (!drive) {
      throw invalid(
        `Drive ${driveIndex} does not exist.`,
        `Drives are numbered 0 to ${driveCount - 1}.`,
      );
    }
    if (!slot || slot.barcode === null) {
      throw invalid(
        `Slot ${slotNumber} holds no cartridge to load into drive ${driveIndex}.`,
        "Name a slot with a cartridge: --loaded DRIVE:SLOT.",
      );
    }
    if (drive.barcode !== null) {
      throw invalid(`Drive ${driveIndex} is loaded twice.`, "Give each drive once in --loaded.");
    }
    drive.barcode = slot.barcode;
    drive.sourceSlot = slotNumber;
    if (slot.unlabelled) drive.unlabelled = true;
    slot.barcode = null;
    delete slot.unlabelled;
  }
  return {
    version: 1,
    vendor: options.vendor ?? "IBM",
    product: options.product ?? "3573-TL",
    revision: options.revision ?? "F.11",
    drives,
    slots,
    cartridges,
    moveDelayMs: countOption("move delay (ms)", options.moveDelayMs ?? 50, 0),
    volumeTagWidth: countOption(
      "volume tag width",
      options.volumeTagWidth ?? DEFAULT_VOLUME_TAG_WIDTH,
      0,
    ),
  };
}

/**
 * Creates a simulated tape library in `options.stateDir`: library.json, the changer device,
 * a blank (empty) folder per cartridge, drive symlinks for loaded drives, default mount points
 * and the `bin/` wrappers. The folder must not exist or be empty.
 *
 * @example
 *   const layout = await createSimulatedLibrary({ stateDir: "/tmp/lib", moveDelayMs: 0 });
 *   await runCommand(path.join(layout.binDir, "mtx"), ["-f", layout.changerDevice, "status"]);
 */
export async function createSimulatedLibrary(
  options: CreateLibraryOptions,
): Promise<SimulatorLayout> {
  const state = planLibrary(options);
  const layout = simulatorLayout(options.stateDir);
  if (fs.existsSync(layout.stateDir) && fs.readdirSync(layout.stateDir).length > 0) {
    throw new PytarchiveError(
      "SIM_STATE_NOT_EMPTY",
      `${layout.stateDir} already exists and is not empty.`,
      {
        hint: "Give a new folder to --state, or delete this one if it is an old simulated library.",
      },
    );
  }
  for (const dir of [layout.stateDir, layout.drivesDir, layout.tapesDir, layout.runDir]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  for (const drive of state.drives) {
    fs.mkdirSync(layout.defaultMountPoint(drive.index), { recursive: true });
  }
  for (const barcode of Object.keys(state.cartridges)) {
    fs.mkdirSync(layout.tapeDir(barcode));
  }
  fs.writeFileSync(layout.changerDevice, "");
  writeFaults(layout.stateDir, []);
  writeLibrary(layout.stateDir, state);
  for (const drive of state.drives) {
    if (drive.barcode !== null) linkDriveToTape(layout.stateDir, drive.index, drive.barcode);
  }
  installSimulatorBin(layout);
  return layout;
}
