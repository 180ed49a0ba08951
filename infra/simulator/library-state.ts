import fs from "node:fs";
import { simulatorLayout } from "./layout.ts";

/** One cartridge known to the library, wherever it is. */
export interface SimulatedCartridge {
  /** Capacity of the emulated medium in MiB (what `df` would show, roughly). */
  readonly capacityMiB: number;
  /** Cleaning cartridges (barcode CLN…) can be moved but never formatted or mounted. */
  readonly cleaning: boolean;
  /** A write-protected cartridge mounts read-only, as LTFS14019I says. */
  readonly writeProtected: boolean;
}

export interface SimulatedDrive {
  /** Data Transfer Element number, 0-based as mtx prints it. */
  readonly index: number;
  /** Barcode of the loaded cartridge, null when empty. */
  barcode: string | null;
  /** The slot the loaded cartridge came from, null when empty or unknown. */
  sourceSlot: number | null;
  /** Serial number tapeinfo reports. */
  readonly serial: string;
  /** The loaded cartridge has no readable label (it came from an `unlabelled` slot). */
  unlabelled?: boolean;
  /** TapeAlert flags the drive raises (tapeinfo prints `TapeAlert[n]: …`); cleared by a cleaning cartridge. */
  tapeAlerts?: number[];
}

export interface SimulatedSlot {
  /** Storage Element number, 1-based; import/export slots are numbered after the storage slots. */
  readonly index: number;
  barcode: string | null;
  readonly importExport: boolean;
  /** A cartridge without a readable label: the slot shows "Full " with no VolumeTag. */
  unlabelled?: boolean;
}

export interface LibraryState {
  readonly version: 1;
  readonly vendor: string;
  readonly product: string;
  readonly drives: SimulatedDrive[];
  readonly slots: SimulatedSlot[];
  readonly cartridges: Record<string, SimulatedCartridge>;
  /** How long one robot move takes, in milliseconds (default 50; tests use 0). */
  readonly moveDelayMs?: number;
  /** Volume tags are space-padded to this width, as libraries send them; 0 = no padding (default 32). */
  readonly volumeTagWidth?: number;
  /** Firmware revision the changer reports to `mtx inquiry` (4 characters). */
  readonly revision?: string;
}

export function readLibrary(stateDir: string): LibraryState {
  const file = simulatorLayout(stateDir).libraryFile;
  return JSON.parse(fs.readFileSync(file, "utf8")) as LibraryState;
}

export function writeLibrary(stateDir: string, state: LibraryState): void {
  const file = simulatorLayout(stateDir).libraryFile;
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

const LOCK_WAIT_MS = 30_000;

/**
 * Runs `change` with the library locked, so that two simulated commands never move the same
 * cartridge at once (a real changer serialises its robot the same way).
 */
export function withLibraryLock<T>(stateDir: string, change: () => T): T {
  const lockFile = simulatorLayout(stateDir).lockFile;
  const deadline = Date.now() + LOCK_WAIT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (lockHolderIsGone(lockFile)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`library lock ${lockFile} held too long`);
      Atomics.wait(pause, 0, 0, 20);
    }
  }
  try {
    return change();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function lockHolderIsGone(lockFile: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(lockFile, { encoding: "utf8", flag: "r" });
  } catch (error) {
    // Released between our failed create and this read: not gone, just free; try again.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
