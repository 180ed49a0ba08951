import fs from "node:fs";
import path from "node:path";
import { takeFault } from "../faults.ts";
import { simulatorLayout } from "../layout.ts";
import { type LibraryState, readLibrary } from "../library-state.ts";
import { driveElementAddress, slotElementAddress } from "./element-address.ts";
import { formatInquiry } from "./inquiry.ts";
import { type Element, type MoveOperation, moveMedium } from "./library-robot.ts";
import { formatMtxStatus } from "./mtx-status.ts";
import { formatRequestSense, type SenseData } from "./request-sense.ts";
import { fatalError, runTool, ToolExit, type ToolIO } from "./tool-io.ts";

const PROGRAM = "mtx";
const VERSION = "1.3.12";

const USAGE = `Usage:
\tmtx --version
\tmtx [ -f <loader-dev> ] noattach <more commands>
\tmtx [ -f <loader-dev> ] inquiry | inventory 
\tmtx [ -f <loader-dev> ] [altres] [nobarcode] status
\tmtx [ -f <loader-dev> ] [altres] first [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] last [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] previous [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] next [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] [invert] load <storage-element-number> [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] [invert] unload [<storage-element-number>][<drive#>]
\tmtx [ -f <loader-dev> ] [altres] [eepos eepos-number] transfer <storage-element-number> <storage-element-number>
\tmtx [ -f <loader-dev> ] [altres] [eepos eepos-number][invert][invert2] exchange <storage-element-number> <storage-element-number>
\tmtx [ -f <loader-dev> ] [altres] position <storage-element-number>
\tmtx [ -f <loader-dev> ] eject
`;

/** One mtx command word: how many numeric arguments it takes and whether it needs the changer. */
interface CommandSpec {
  readonly numArgs: 0 | 1 | 2 | 3;
  readonly needsDevice: boolean;
  readonly run: (session: MtxSession, args: readonly number[]) => void;
}

/** What one mtx invocation carries from command to command. */
interface MtxSession {
  readonly io: ToolIO;
  readonly env: NodeJS.ProcessEnv;
  /** The device exactly as given (mtx prints it as given in the status header). */
  device: string | null;
  stateDir: string | null;
  volumeTags: boolean;
}

/**
 * The simulated mtx 1.3.12: same command words, argument rules, output and exit codes. Several
 * commands may follow each other on one line (`unload 3 0 load 4 0`), as with the real one.
 * Returns the exit code: 0, or 1 for every failure (usage and `--version` included).
 */
export function runMtx(
  args: readonly string[],
  io: ToolIO,
  env: NodeJS.ProcessEnv = process.env,
): number {
  return runTool(() => {
    const session: MtxSession = { io, env, device: null, stateDir: null, volumeTags: true };
    let i = 0;
    while (i < args.length) {
      const word = args[i] as string;
      if (word === "-f") {
        i += 1;
        const device = args[i];
        if (device === undefined) usage(io);
        i += 1;
        openDevice(session, device, args[i]);
        continue;
      }
      const command = COMMANDS.get(word);
      if (!command) usage(io);
      i += 1;
      const numeric: number[] = [];
      while (numeric.length < command.numArgs) {
        const value = numericArgument(args[i]);
        if (value === null) break;
        numeric.push(value);
        i += 1;
      }
      if (command.needsDevice && session.stateDir === null) {
        openDevice(session, session.env.CHANGER ?? session.env.TAPE ?? "/dev/changer", word);
      }
      command.run(session, numeric);
    }
    return 0;
  });
}

/** mtx's get_arg: a word starting with a digit is a number (its leading digits); else none. */
function numericArgument(word: string | undefined): number | null {
  if (word === undefined || !/^[0-9]/.test(word)) return null;
  return Number.parseInt(word, 10);
}

function usage(io: ToolIO): never {
  return fatalExit(io, USAGE);
}

/** Text on stderr, then exit 1 (usage and `--version` end this way in mtx). */
function fatalExit(io: ToolIO, text: string): never {
  io.stderr(text);
  throw new ToolExit(1);
}

/** Fault operations a device-busy fault can name; other commands open the changer unhindered. */
const BUSY_OPERATIONS: Record<string, MoveOperation | "status"> = {
  status: "status",
  load: "load",
  unload: "unload",
  transfer: "transfer",
  first: "load",
  last: "load",
  next: "load",
  previous: "load",
};

/**
 * Opens the changer like scsi_linux.c does: a missing file is ENOENT, a file that is not a
 * simulated changer "is not an sg device", and an injected busy fault is EBUSY.
 */
function openDevice(session: MtxSession, device: string, nextWord: string | undefined): void {
  let resolved: string;
  try {
    // A symlink such as /dev/changer -> <state>/changer leads to the same library.
    resolved = fs.realpathSync(device);
  } catch {
    fatalError(
      session.io,
      PROGRAM,
      `cannot open SCSI device '${device}' - No such file or directory`,
    );
  }
  const layout = simulatorLayout(path.dirname(resolved));
  if (resolved !== layout.changerDevice || !fs.existsSync(layout.libraryFile)) {
    fatalError(session.io, PROGRAM, `${device} is not an sg device, or old sg driver`);
  }
  const operation =
    nextWord !== undefined && Object.hasOwn(BUSY_OPERATIONS, nextWord)
      ? BUSY_OPERATIONS[nextWord]
      : undefined;
  if (operation && takeFault(layout.stateDir, { tool: "mtx", kind: "device-busy", operation })) {
    fatalError(
      session.io,
      PROGRAM,
      `cannot open SCSI device '${device}' - Device or resource busy`,
    );
  }
  session.device = device;
  session.stateDir = layout.stateDir;
}

/** READ ELEMENT STATUS: the library as it is now (or the injected failure of that command). */
function readElementStatus(session: MtxSession, operation: "status" | MoveOperation): LibraryState {
  const stateDir = session.stateDir as string;
  if (operation === "status") {
    const fault = takeFault(stateDir, { tool: "mtx", kind: "sense", operation: "status" });
    if (fault?.kind === "sense") {
      session.io.stderr(formatRequestSense(fault));
      fatalError(session.io, PROGRAM, "READ ELEMENT STATUS Command Failed");
    }
  }
  return readLibrary(stateDir);
}

function storageSlotCount(state: LibraryState): number {
  return state.slots.filter((slot) => !slot.importExport).length;
}

function elementAddress(element: Element): number {
  return element.kind === "slot"
    ? slotElementAddress(element.number)
    : driveElementAddress(element.index);
}

/** mtx's Move(): the robot's answer, translated exactly as mtx translates it. */
function move(
  session: MtxSession,
  source: Element,
  destination: Element,
  operation: MoveOperation,
): void {
  const outcome = moveMedium(session.stateDir as string, source, destination, operation);
  if (outcome.ok) return;
  const from = elementAddress(source);
  const to = elementAddress(destination);
  const known = knownMoveFailure(outcome.sense, from, to);
  if (known) fatalError(session.io, PROGRAM, known);
  session.io.stderr(formatRequestSense(outcome.sense));
  fatalError(session.io, PROGRAM, `MOVE MEDIUM from Element Address ${from} to ${to} Failed`);
}

/** The four sense codes mtx words itself, without a Request Sense dump. */
function knownMoveFailure(sense: SenseData, from: number, to: number): string | null {
  const code = (sense.asc << 8) | sense.ascq;
  if (code === 0x3003) return "Cleaning Cartridge Installed and Ejected";
  if (code === 0x3a00) return "Drive needs offline before move";
  if (code === 0x3b0d) return `Destination Element Address ${to} is Already Full`;
  if (code === 0x3b0e) return `Source Element Address ${from} is Empty`;
  return null;
}

function load(
  session: MtxSession,
  slotArgument: number | undefined,
  driveArgument: number | undefined,
): void {
  const { io } = session;
  if (slotArgument === undefined || slotArgument < 1)
    fatalError(io, PROGRAM, "No source specified");
  const driveIndex = driveArgument ?? 0;
  const state = readElementStatus(session, "load");
  if (slotArgument > state.slots.length) {
    fatalError(
      io,
      PROGRAM,
      `Invalid <storage-element-number> argument '${slotArgument}' to 'load' command`,
    );
  }
  const drive = state.drives[driveIndex];
  if (!drive) {
    fatalError(io, PROGRAM, `illegal <drive-number> argument '${driveIndex}' to 'load' command`);
  }
  if (drive.barcode !== null) {
    fatalError(
      io,
      PROGRAM,
      `Drive ${driveIndex} Full (Storage Element ${drive.sourceSlot ?? 0} loaded)`,
    );
  }
  io.stdout(`Loading media from Storage Element ${slotArgument} into drive ${driveIndex}...`);
  move(
    session,
    { kind: "slot", number: slotArgument },
    { kind: "drive", index: driveIndex },
    "load",
  );
  io.stdout("done\n");
}

function unload(
  session: MtxSession,
  slotArgument: number | undefined,
  driveArgument: number | undefined,
): void {
  const { io } = session;
  const driveIndex = driveArgument ?? 0;
  const state = readElementStatus(session, "unload");
  const drive = state.drives[driveIndex];
  if (!drive) {
    fatalError(io, PROGRAM, `illegal <drive-number> argument '${driveIndex}' to 'unload' command`);
  }
  let slotNumber: number;
  if (slotArgument === undefined) {
    if (drive.sourceSlot === null)
      fatalError(io, PROGRAM, `No Source for tape in drive ${driveIndex}!`);
    slotNumber = drive.sourceSlot;
  } else {
    slotNumber = slotArgument;
  }
  // Slot 0 makes real mtx index before its slot array (undefined behaviour); refuse it plainly.
  if (slotNumber < 1 || slotNumber > state.slots.length) {
    fatalError(
      io,
      PROGRAM,
      `illegal <storage-element-number> argument '${slotNumber}' to 'unload' command`,
    );
  }
  if (drive.barcode === null)
    fatalError(io, PROGRAM, `Data Transfer Element ${driveIndex} is Empty`);
  if (state.slots[slotNumber - 1]?.barcode != null) {
    fatalError(io, PROGRAM, `Storage Element ${slotNumber} is Already Full`);
  }
  io.stdout(`Unloading drive ${driveIndex} into Storage Element ${slotNumber}...`);
  move(
    session,
    { kind: "drive", index: driveIndex },
    { kind: "slot", number: slotNumber },
    "unload",
  );
  io.stdout("done\n");
}

function transfer(session: MtxSession, args: readonly number[]): void {
  const [from, to] = slotPair(session, args);
  move(session, { kind: "slot", number: from }, { kind: "slot", number: to }, "transfer");
}

/** The source and destination slots of `transfer`/`exchange`, refused as real mtx does. */
function slotPair(session: MtxSession, args: readonly number[]): [from: number, to: number] {
  const { io } = session;
  const [from, to] = args;
  if (from === undefined || from < 1) fatalError(io, PROGRAM, "No source specified");
  if (to === undefined || to < 1) fatalError(io, PROGRAM, "No destination specified");
  const state = readElementStatus(session, "transfer");
  if (from > state.slots.length) fatalError(io, PROGRAM, "Invalid source");
  if (to > state.slots.length) fatalError(io, PROGRAM, "Invalid destination");
  return [from, to];
}

/** The drive `first`/`last`/`next`/`previous` act on: the argument if it names a drive, else 0. */
function chosenDrive(state: LibraryState, args: readonly number[]): number {
  const [drive] = args;
  return drive !== undefined && drive < state.drives.length ? drive : 0;
}

function first(session: MtxSession, args: readonly number[]): void {
  const state = readElementStatus(session, "load");
  const driveIndex = chosenDrive(state, args);
  const drive = state.drives[driveIndex];
  if (drive?.barcode != null) {
    if (drive.sourceSlot === 1) {
      session.io.stdout("loading...done.\n");
      return;
    }
    unload(session, drive.sourceSlot ?? 0, driveIndex);
  }
  load(session, 1, driveIndex);
}

function last(session: MtxSession, args: readonly number[]): void {
  const state = readElementStatus(session, "load");
  const driveIndex = chosenDrive(state, args);
  const drive = state.drives[driveIndex];
  const lastSlot = storageSlotCount(state);
  if (drive?.barcode != null) {
    if ((drive.sourceSlot ?? 0) >= lastSlot) {
      session.io.stdout("loading...done.\n");
      return;
    }
    unload(session, drive.sourceSlot ?? 0, driveIndex);
  }
  load(session, lastSlot, driveIndex);
}

function next(session: MtxSession, args: readonly number[]): void {
  let state = readElementStatus(session, "load");
  const driveIndex = chosenDrive(state, args);
  const drive = state.drives[driveIndex];
  let current = 0;
  if (drive?.barcode != null) {
    current = drive.sourceSlot ?? 0;
    unload(session, current, driveIndex);
    state = readLibrary(session.stateDir as string);
  }
  for (let slot = current + 1; slot <= storageSlotCount(state); slot += 1) {
    if (state.slots[slot - 1]?.barcode != null) {
      load(session, slot, driveIndex);
      return;
    }
  }
  fatalError(session.io, PROGRAM, "No More Media");
}

function previous(session: MtxSession, args: readonly number[]): void {
  let state = readElementStatus(session, "load");
  const driveIndex = chosenDrive(state, args);
  const drive = state.drives[driveIndex];
  let current = storageSlotCount(state) + 1;
  if (drive?.barcode != null) {
    current = drive.sourceSlot ?? 0;
    if (current <= 1) fatalError(session.io, PROGRAM, "No More Media");
    unload(session, current, driveIndex);
    state = readLibrary(session.stateDir as string);
  }
  for (let slot = current - 1; slot >= 1; slot -= 1) {
    if (state.slots[slot - 1]?.barcode != null) {
      load(session, slot, driveIndex);
      return;
    }
  }
  fatalError(session.io, PROGRAM, "No More Media");
}

/** The simulated library has no EXCHANGE MEDIUM; like such libraries it rejects the opcode. */
function exchange(session: MtxSession, args: readonly number[]): void {
  const { io } = session;
  const [from, to] = slotPair(session, args);
  io.stderr(formatRequestSense({ senseKey: "Illegal Request", asc: 0x20, ascq: 0x00 }));
  fatalError(
    io,
    PROGRAM,
    `EXCHANGE MEDIUM from Element Address ${slotElementAddress(from)} to ${slotElementAddress(to)} Failed`,
  );
}

const NO_OP = (): void => {};

const COMMANDS = new Map<string, CommandSpec>(
  Object.entries({
    inquiry: {
      numArgs: 0,
      needsDevice: true,
      run: (session) => {
        const state = readLibrary(session.stateDir as string);
        session.io.stdout(
          formatInquiry({
            productType: "Medium Changer",
            vendor: state.vendor,
            product: state.product,
            revision: state.revision ?? "0100",
          }),
        );
      },
    },
    status: {
      numArgs: 0,
      needsDevice: true,
      run: (session) => {
        const state = readElementStatus(session, "status");
        session.io.stdout(
          formatMtxStatus(state, session.device as string, { volumeTags: session.volumeTags }),
        );
      },
    },
    load: {
      numArgs: 2,
      needsDevice: true,
      run: (session, [slot, drive]) => load(session, slot, drive),
    },
    unload: {
      numArgs: 2,
      needsDevice: true,
      run: (session, [slot, drive]) => unload(session, slot, drive),
    },
    transfer: { numArgs: 2, needsDevice: true, run: transfer },
    exchange: { numArgs: 3, needsDevice: true, run: exchange },
    first: { numArgs: 1, needsDevice: true, run: first },
    last: { numArgs: 1, needsDevice: true, run: last },
    next: { numArgs: 1, needsDevice: true, run: next },
    previous: { numArgs: 1, needsDevice: true, run: previous },
    // Commands the simulated changer accepts and that change nothing it models.
    inventory: { numArgs: 0, needsDevice: true, run: NO_OP },
    eject: { numArgs: 0, needsDevice: true, run: NO_OP },
    erase: { numArgs: 0, needsDevice: true, run: NO_OP },
    position: { numArgs: 1, needsDevice: true, run: NO_OP },
    invert: { numArgs: 0, needsDevice: false, run: NO_OP },
    invert2: { numArgs: 0, needsDevice: false, run: NO_OP },
    noattach: { numArgs: 0, needsDevice: false, run: NO_OP },
    altres: { numArgs: 0, needsDevice: false, run: NO_OP },
    nobarcode: {
      numArgs: 0,
      needsDevice: false,
      run: (session) => {
        session.volumeTags = false;
      },
    },
    eepos: {
      numArgs: 1,
      needsDevice: false,
      run: (session, [position]) => {
        if (position === undefined || position > 3) {
          fatalError(session.io, PROGRAM, "eepos equires argument between 0 and 3.");
        }
      },
    },
    "--version": {
      numArgs: 0,
      needsDevice: false,
      run: (session) => fatalExit(session.io, `mtx version ${VERSION}\n\n${USAGE}`),
    },
  } satisfies Record<string, CommandSpec>),
);
