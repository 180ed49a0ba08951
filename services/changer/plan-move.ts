import {
  findTape,
  isCleaningTape,
  type LibraryStatus,
  type SlotStatus,
  type TapeLocation,
} from "../../shared/hardware/mtx/index.ts";
import {
  type DriveBlock,
  MOVE_FAILURE_CODES,
  type MoveRequest,
  type TapePlace,
} from "../../shared/messages/index.ts";
import { MoveRefusedError } from "./move-refused-error.ts";

/** What the changer knows besides `mtx status` when it decides a move. */
export interface MovePlanInput {
  readonly library: LibraryStatus;
  readonly move: MoveRequest;
  /** The catalog's home slot for the tape; null when it records none (or could not be asked). */
  readonly catalogHome: number | null;
  /** Drives that take no moves until an operator clears them. */
  readonly blockedDrives: ReadonlyMap<number, DriveBlock>;
  /** Drives with a configured device and mount point (the only ones whose mount state is known). */
  readonly configuredDrives: ReadonlySet<number>;
}

/** What the robot has to do; "none" when the tape already is where the move wants it. */
export type MovePlan =
  | { readonly action: "none"; readonly at: TapePlace; readonly homeSlot: number | null }
  | {
      readonly action: "load";
      readonly fromSlot: number;
      readonly drive: number;
      readonly homeSlot: number | null;
      /** The catalog records no home yet: the slot it is loaded from becomes its home. */
      readonly recordHome: boolean;
    }
  | {
      readonly action: "unload";
      readonly drive: number;
      readonly toSlot: number;
      readonly homeFrom: "catalog" | "source slot";
    }
  | {
      readonly action: "transfer";
      readonly fromSlot: number;
      readonly toSlot: number;
      /** The tape's home after the transfer: the destination, or none for an import/export slot. */
      readonly newHome: number | null;
      /** The destination is the home the catalog already records (nothing to record). */
      readonly homeUnchanged: boolean;
    };

const C = MOVE_FAILURE_CODES;

/**
 * Decides what a move needs from the robot, or refuses it (MoveRefusedError) when the library
 * is not in a state that allows it. Pure: mount state is checked by the caller before an unload.
 *
 * @example
 * planMove({ library, move: { kind: "unload", barcode: "AAK787L9", ... }, catalogHome: 24, blockedDrives: new Map(), configuredDrives: new Set([0, 1]) });
 * // { action: "unload", drive: 0, toSlot: 24, homeFrom: "catalog" }
 */
export function planMove(input: MovePlanInput): MovePlan {
  const { library, move } = input;
  const location = findTape(library, move.barcode);
  if (location === null) {
    throw new MoveRefusedError(
      C.tapeNotInLibrary,
      `Tape ${move.barcode} is not in the library: mtx status shows it in no slot and no drive.`,
      {
        hint: "Put the cartridge into the library and import it, or check the barcode with `pytarchive tapes`.",
      },
    );
  }
  switch (move.kind) {
    case "load":
      return planLoad(input, location, move.drive);
    case "unload":
      if (location.kind === "slot") return alreadyThere(location, input.catalogHome);
      if (move.drive !== undefined && move.drive !== location.drive) {
        throw new MoveRefusedError(
          C.tapeInOtherDrive,
          `Tape ${move.barcode} is in drive ${location.drive}, not in drive ${move.drive}.`,
          {
            hint: `Unload drive ${location.drive} instead (\`pytarchive library\` shows where every tape is).`,
            drive: move.drive,
          },
        );
      }
      return planUnload(input, location);
    case "transfer":
      return planTransfer(input, location, move.toSlot);
    case "return-home":
      return planReturnHome(input, location);
  }
}

function planLoad(input: MovePlanInput, location: TapeLocation, drive: number): MovePlan {
  const { library, move } = input;
  checkDriveExists(library, drive);
  checkNotBlocked(input, drive);
  if (isCleaningTape(move.barcode)) {
    throw new MoveRefusedError(
      C.cleaningTapeNotLoadable,
      `Tape ${move.barcode} is a cleaning cartridge: the changer never loads one for a job.`,
      { hint: "Choose a data tape for this job.", drive },
    );
  }
  if (location.kind === "drive") {
    if (location.drive === drive) return alreadyThere(location, input.catalogHome);
    throw new MoveRefusedError(
      C.tapeInOtherDrive,
      `Tape ${move.barcode} is already in drive ${location.drive}, not in drive ${drive}.`,
      { hint: `Use drive ${location.drive} for this job, or unload the tape first.`, drive },
    );
  }
  if (location.importExport) {
    throw new MoveRefusedError(
      C.tapeInImportExportSlot,
      `Tape ${move.barcode} is in import/export slot ${location.slot}: it has no home slot in the library yet, so it is not loaded from there.`,
      {
        hint: "Import it first: move it to a free storage slot (a transfer move, or the library's panel), which becomes its home; then retry.",
        drive,
      },
    );
  }
  checkConfigured(input, drive);
  const occupant = library.drives.find((d) => d.index === drive);
  if (occupant?.full) {
    const what = occupant.barcode ?? "a cartridge without a readable label";
    const from = occupant.sourceSlot === null ? "" : ` (loaded from slot ${occupant.sourceSlot})`;
    throw new MoveRefusedError(
      C.driveOccupied,
      `Drive ${drive} already holds ${what}${from}; it must be unloaded before ${move.barcode} can be loaded.`,
      { hint: `Unload drive ${drive} first, or load ${move.barcode} into an empty drive.`, drive },
    );
  }
  const homeSlot = input.catalogHome ?? location.slot;
  return {
    action: "load",
    fromSlot: location.slot,
    drive,
    homeSlot,
    recordHome: input.catalogHome === null,
  };
}

function planUnload(
  input: MovePlanInput,
  location: Extract<TapeLocation, { kind: "drive" }>,
): MovePlan {
  const { library, move } = input;
  const drive = location.drive;
  checkNotBlocked(input, drive);
  checkConfigured(input, drive);
  const homeFrom = input.catalogHome === null ? "source slot" : "catalog";
  const home = input.catalogHome ?? location.sourceSlot;
  if (home === null) {
    throw new MoveRefusedError(
      C.noHomeSlot,
      `Tape ${move.barcode} in drive ${drive} has no home slot: the catalog records none and mtx does not say which slot it was loaded from.`,
      {
        hint: `Make sure it is not mounted, then unload it by hand into a free storage slot (\`mtx -f <changer> unload <slot> ${drive}\`); the next inventory records that slot as its home.`,
        drive,
      },
    );
  }
  checkHomeFree(library, move.barcode, home, drive);
  return { action: "unload", drive, toSlot: home, homeFrom };
}

function planTransfer(input: MovePlanInput, location: TapeLocation, toSlot: number): MovePlan {
  const { library, move } = input;
  const destination = slotOrThrow(library, toSlot, `Slot ${toSlot}`);
  if (location.kind === "drive") {
    throw new MoveRefusedError(
      C.tapeInDrive,
      `Tape ${move.barcode} is in drive ${location.drive}; a transfer moves tapes between slots only.`,
      { hint: "Unload it first (it goes back to its home slot).", drive: location.drive },
    );
  }
  const newHome = destination.importExport ? null : toSlot;
  if (location.slot === toSlot) {
    return { action: "none", at: placeOf(location), homeSlot: input.catalogHome ?? newHome };
  }
  if (destination.full) {
    throw new MoveRefusedError(
      C.slotOccupied,
      `Slot ${toSlot} already holds ${occupantOf(destination)}: tape ${move.barcode} cannot be moved there.`,
      { hint: "Choose an empty slot (`pytarchive library` lists them)." },
    );
  }
  return {
    action: "transfer",
    fromSlot: location.slot,
    toSlot,
    newHome,
    homeUnchanged: newHome !== null && newHome === input.catalogHome,
  };
}

function planReturnHome(input: MovePlanInput, location: TapeLocation): MovePlan {
  const { library, move } = input;
  if (location.kind === "drive") return planUnload(input, location);
  const home = input.catalogHome ?? (location.importExport ? null : location.slot);
  if (home === location.slot) return alreadyThere(location, home);
  if (home === null) {
    throw new MoveRefusedError(
      C.noHomeSlot,
      `Tape ${move.barcode} is in import/export slot ${location.slot} and has no home slot yet.`,
      {
        hint: "Import it with a transfer move to a free storage slot; that slot becomes its home.",
      },
    );
  }
  checkHomeFree(library, move.barcode, home, null);
  return {
    action: "transfer",
    fromSlot: location.slot,
    toSlot: home,
    newHome: home,
    homeUnchanged: true,
  };
}

function alreadyThere(location: TapeLocation, catalogHome: number | null): MovePlan {
  const fallbackHome =
    location.kind === "drive" ? location.sourceSlot : location.importExport ? null : location.slot;
  return { action: "none", at: placeOf(location), homeSlot: catalogHome ?? fallbackHome };
}

/** The place a move outcome reports for a location mtx gave. */
export function placeOf(location: TapeLocation): TapePlace {
  return location.kind === "drive"
    ? { kind: "drive", drive: location.drive }
    : { kind: "slot", slot: location.slot, importExport: location.importExport };
}

function checkDriveExists(library: LibraryStatus, drive: number): void {
  if (library.drives.some((d) => d.index === drive)) return;
  const count = library.drives.length;
  throw new MoveRefusedError(
    C.driveNotInLibrary,
    `Drive ${drive} does not exist: the library has ${count} drive${count === 1 ? "" : "s"}${count > 0 ? ` (0 to ${count - 1})` : ""}.`,
    { hint: "Use a drive number that `pytarchive library` lists.", drive },
  );
}

function checkNotBlocked(input: MovePlanInput, drive: number): void {
  const block = input.blockedDrives.get(drive);
  if (block === undefined) return;
  throw new MoveRefusedError(
    C.driveBlocked,
    `Drive ${drive} is blocked since ${block.at} (${block.code}: ${block.reason}); it takes no moves until an operator clears it.`,
    {
      hint: `Deal with the drive first (do not power-cycle the library while it holds a tape), then clear it: \`pytarchive clear-drive ${drive}\`.`,
      drive,
    },
  );
}

function checkConfigured(input: MovePlanInput, drive: number): void {
  if (input.configuredDrives.has(drive)) return;
  throw new MoveRefusedError(
    C.driveNotConfigured,
    `Drive ${drive} is not in the configuration, so pytarchive cannot tell whether a tape in it is mounted.`,
    {
      hint: `Add a [Drive ${drive}] section with device and mount_point to pytarchive.conf (\`pytarchive-sim env\` prints them for the simulated library), then restart the changer.`,
      drive,
    },
  );
}

function checkHomeFree(
  library: LibraryStatus,
  barcode: string,
  home: number,
  drive: number | null,
): void {
  const slot = slotOrThrow(library, home, `Home slot ${home} of tape ${barcode}`, drive);
  if (!slot.full) return;
  throw new MoveRefusedError(
    C.homeSlotOccupied,
    `Home slot ${home} of tape ${barcode} holds ${occupantOf(slot)}.`,
    {
      hint: `Another cartridge was put into slot ${home}. Move it to its own home (or a free slot) first, then retry: pytarchive returns a tape only to its home slot.`,
      drive,
    },
  );
}

function slotOrThrow(
  library: LibraryStatus,
  index: number,
  what: string,
  drive: number | null = null,
): SlotStatus {
  const slot = library.slots.find((s) => s.index === index);
  if (slot !== undefined) return slot;
  throw new MoveRefusedError(
    C.slotNotInLibrary,
    `${what} does not exist: the library has slots 1 to ${library.slots.length}.`,
    {
      hint: "The catalog or the request names a slot of another library layout; check `pytarchive library`.",
      drive,
    },
  );
}

function occupantOf(slot: SlotStatus): string {
  return slot.barcode === null ? "a cartridge without a readable label" : `tape ${slot.barcode}`;
}
