import fs from "node:fs";
import { takeFault } from "../faults.ts";
import { simulatorLayout } from "../layout.ts";
import { type LibraryState, readLibrary, withLibraryLock, writeLibrary } from "../library-state.ts";
import { isDriveHeldByLtfs } from "./drive-hold.ts";
import type { SenseData } from "./request-sense.ts";
import { sleepSync } from "./tool-io.ts";

/** A place a cartridge can be: a slot (1-based, as mtx numbers them) or a drive (0-based). */
export type Element =
  | { readonly kind: "slot"; readonly number: number }
  | {
      readonly kind: "drive";
      readonly index: number;
    };

export type MoveOperation = "load" | "unload" | "transfer";

export type MoveOutcome = { readonly ok: true } | { readonly ok: false; readonly sense: SenseData };

const DEFAULT_MOVE_DELAY_MS = 50;

/** TapeAlert flags a cleaning cartridge resolves: 20 "Clean Now", 21 "Clean Periodic". */
const CLEANING_ALERTS = new Set([20, 21]);

const SOURCE_EMPTY: SenseData = { senseKey: "Illegal Request", asc: 0x3b, ascq: 0x0e };
const DESTINATION_FULL: SenseData = { senseKey: "Illegal Request", asc: 0x3b, ascq: 0x0d };
/** What a drive answers while its medium is locked (LTFS holds it): removal prevented. */
const REMOVAL_PREVENTED: SenseData = { senseKey: "Illegal Request", asc: 0x53, ascq: 0x02 };

/**
 * The robot's MOVE MEDIUM: checks what the library itself would check (the element states
 * right now, not mtx's earlier snapshot; a drive whose tape LTFS still holds), fires an
 * injected fault, takes its time, then moves the cartridge and the drive's device symlink.
 * Runs under the library lock, so moves are serialised like a real robot's.
 */
export function moveMedium(
  stateDir: string,
  source: Element,
  destination: Element,
  operation: MoveOperation,
): MoveOutcome {
  return withLibraryLock(stateDir, () => {
    const fault = takeFault(stateDir, { tool: "mtx", kind: "sense", operation });
    if (fault?.kind === "sense") {
      return { ok: false, sense: { senseKey: fault.senseKey, asc: fault.asc, ascq: fault.ascq } };
    }
    const state = readLibrary(stateDir);
    const barcode = contentOf(state, source);
    if (barcode === null) return { ok: false, sense: SOURCE_EMPTY };
    if (contentOf(state, destination) !== null) return { ok: false, sense: DESTINATION_FULL };
    if (source.kind === "drive" && isDriveHeldByLtfs(stateDir, source.index)) {
      return { ok: false, sense: REMOVAL_PREVENTED };
    }
    sleepSync(state.moveDelayMs ?? DEFAULT_MOVE_DELAY_MS);
    const unlabelled = takeOut(stateDir, state, source);
    putIn(stateDir, state, destination, barcode, unlabelled, source);
    writeLibrary(stateDir, state);
    return { ok: true };
  });
}

function contentOf(state: LibraryState, element: Element): string | null {
  if (element.kind === "slot") return state.slots[element.number - 1]?.barcode ?? null;
  return state.drives[element.index]?.barcode ?? null;
}

/** Empties the element; returns whether the cartridge had no readable label. */
function takeOut(stateDir: string, state: LibraryState, element: Element): boolean {
  if (element.kind === "slot") {
    const slot = state.slots[element.number - 1];
    if (!slot) throw new Error(`slot ${element.number} does not exist`);
    const unlabelled = slot.unlabelled === true;
    slot.barcode = null;
    delete slot.unlabelled;
    return unlabelled;
  }
  const drive = state.drives[element.index];
  if (!drive) throw new Error(`drive ${element.index} does not exist`);
  const unlabelled = drive.unlabelled === true;
  drive.barcode = null;
  drive.sourceSlot = null;
  delete drive.unlabelled;
  fs.rmSync(simulatorLayout(stateDir).driveDevice(element.index), { force: true });
  return unlabelled;
}

function putIn(
  stateDir: string,
  state: LibraryState,
  element: Element,
  barcode: string,
  unlabelled: boolean,
  source: Element,
): void {
  if (element.kind === "slot") {
    const slot = state.slots[element.number - 1];
    if (!slot) throw new Error(`slot ${element.number} does not exist`);
    slot.barcode = barcode;
    if (unlabelled) slot.unlabelled = true;
    return;
  }
  const drive = state.drives[element.index];
  if (!drive) throw new Error(`drive ${element.index} does not exist`);
  drive.barcode = barcode;
  drive.sourceSlot = source.kind === "slot" ? source.number : null;
  if (unlabelled) drive.unlabelled = true;
  if (state.cartridges[barcode]?.cleaning && drive.tapeAlerts) {
    drive.tapeAlerts = drive.tapeAlerts.filter((flag) => !CLEANING_ALERTS.has(flag));
  }
  linkDriveToTape(stateDir, element.index, barcode);
}

/** `<state>/drives/<n>` → `../tapes/<barcode>`: the drive's device now reaches the tape's data. */
export function linkDriveToTape(stateDir: string, driveIndex: number, barcode: string): void {
  const layout = simulatorLayout(stateDir);
  fs.mkdirSync(layout.tapeDir(barcode), { recursive: true });
  const device = layout.driveDevice(driveIndex);
  fs.rmSync(device, { force: true });
  fs.symlinkSync(`../tapes/${barcode}`, device);
}
