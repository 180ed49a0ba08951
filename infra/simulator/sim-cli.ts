import fs from "node:fs";
import { parseArgs } from "node:util";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { readMountRecord } from "./changer/drive-hold.ts";
import { senseKeyName, usualSenseKeyFor } from "./changer/request-sense.ts";
import { MAX_TAPE_ALERT_FLAG } from "./changer/tape-alert.ts";
import type { ToolIO } from "./changer/tool-io.ts";
import { createSimulatedLibrary, type LoadedAtStart } from "./create-library.ts";
import { clearFaults, type Fault, injectFault, readFaults } from "./faults.ts";
import { simulatorLayout } from "./layout.ts";
import { type LibraryState, readLibrary, withLibraryLock, writeLibrary } from "./library-state.ts";

const HELP = `pytarchive-sim: a simulated tape library (mtx, tapeinfo, mkltfs, ltfs, ltfsck, exportfs, fuser)

  pytarchive-sim create --state DIR [--drives 2] [--slots 24] [--ie 1]
                 [--barcodes AAK780L9,... | --generate N] [--cleaning CLN001L1,...]
                 [--capacity-mib 1024] [--loaded DRIVE:SLOT ...] [--vendor IBM] [--product 3573-TL]
                 [--tag-width 32] [--move-delay-ms 50] [--write-protected B,...] [--unlabelled B,...]
      --slots counts storage slots; import/export slots are numbered after them.
  pytarchive-sim env --state DIR        pytarchive.conf lines that point the product at DIR
  pytarchive-sim status --state DIR     drives, slots, mounts and waiting faults
  pytarchive-sim fault --state DIR SPEC...
      --mtx-sense OP:ASC/ASCQ[:TIMES]   OP is load, unload, transfer or status; e.g. unload:53/03
        [--sense-key NAME]              sense key (default: the usual one for the ASC)
      --device-busy OP[:TIMES]          mtx cannot open the changer (EBUSY)
      --not-ready DRIVE[:TIMES] [--tool tapeinfo|mkltfs|ltfs]   (default: all three)
      --mount-failure DRIVE[:TIMES]     ltfs cannot mount the tape in DRIVE
      --tape-alert DRIVE:FLAG[,FLAG]    tapeinfo shows TapeAlert[FLAG] until --clear or cleaning
      --clear                           remove every waiting fault and TapeAlert
      --list                            show waiting faults
      TIMES is a count (default 1) or "always".
`;

class UsageError extends PytarchiveError {
  constructor(message: string) {
    super("SIM_USAGE", message, {
      hint: "Run `pytarchive-sim --help` for the commands and options.",
    });
  }
}

/** Runs one pytarchive-sim command; returns the exit code. */
export async function runSimCli(args: readonly string[], io: ToolIO): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "create":
        return await createCommand(rest, io);
      case "env":
        return envCommand(rest, io);
      case "status":
        return statusCommand(rest, io);
      case "fault":
        return faultCommand(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout(HELP);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof PytarchiveError) {
      io.stderr(`pytarchive-sim: ${error.describe()}\n`);
      return error instanceof UsageError ? 2 : 1;
    }
    if (
      error instanceof TypeError &&
      "code" in error &&
      String(error.code).startsWith("ERR_PARSE_ARGS")
    ) {
      io.stderr(
        `pytarchive-sim: ${error.message}\nRun \`pytarchive-sim --help\` for the options.\n`,
      );
      return 2;
    }
    throw error;
  }
}

function stateOption(value: string | undefined): string {
  if (!value) throw new UsageError("--state DIR is required: the folder of the simulated library.");
  return value;
}

/** The --state folder, which must hold a library (exported: the program prints no code). */
export function existingState(value: string | undefined): string {
  const stateDir = stateOption(value);
  if (!fs.existsSync(simulatorLayout(stateDir).libraryFile)) {
    throw new PytarchiveError(
      "SIM_NO_LIBRARY",
      `${stateDir} holds no simulated library (no library.json).`,
      {
        hint: `Create one with: pytarchive-sim create --state ${stateDir}`,
      },
    );
  }
  return stateDir;
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} needs a whole number, not "${value}".`);
  return Number(value);
}

function list(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values
    .flatMap((value) => value.split(","))
    .map((item) => item.trim())
    .filter(Boolean);
}

function count(amount: number, noun: string): string {
  return `${amount} ${noun}${amount === 1 ? "" : "s"}`;
}

async function createCommand(args: readonly string[], io: ToolIO): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      state: { type: "string" },
      drives: { type: "string" },
      slots: { type: "string" },
      ie: { type: "string" },
      barcodes: { type: "string", multiple: true },
      generate: { type: "string" },
      cleaning: { type: "string", multiple: true },
      "capacity-mib": { type: "string" },
      loaded: { type: "string", multiple: true },
      vendor: { type: "string" },
      product: { type: "string" },
      revision: { type: "string" },
      "tag-width": { type: "string" },
      "move-delay-ms": { type: "string" },
      "write-protected": { type: "string", multiple: true },
      unlabelled: { type: "string", multiple: true },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.barcodes && values.generate) {
    throw new UsageError("Give either --barcodes or --generate, not both.");
  }
  const loaded = (values.loaded ?? []).map((spec): LoadedAtStart => {
    const match = /^(\d+):(\d+)$/.exec(spec);
    if (!match) throw new UsageError(`--loaded takes DRIVE:SLOT (e.g. 0:5), not "${spec}".`);
    return { drive: Number(match[1]), slot: Number(match[2]) };
  });
  const layout = await createSimulatedLibrary({
    stateDir: stateOption(values.state),
    drives: integer("--drives", values.drives),
    slots: integer("--slots", values.slots),
    importExportSlots: integer("--ie", values.ie),
    barcodes: list(values.barcodes),
    generate: integer("--generate", values.generate),
    cleaning: list(values.cleaning),
    capacityMiB: integer("--capacity-mib", values["capacity-mib"]),
    loaded,
    vendor: values.vendor,
    product: values.product,
    revision: values.revision,
    volumeTagWidth: integer("--tag-width", values["tag-width"]),
    moveDelayMs: integer("--move-delay-ms", values["move-delay-ms"]),
    writeProtected: list(values["write-protected"]),
    unlabelled: list(values.unlabelled),
  });
  const state = readLibrary(layout.stateDir);
  const mail = state.slots.filter((slot) => slot.importExport).length;
  const cartridges = Object.values(state.cartridges);
  const cleaning = cartridges.filter((cartridge) => cartridge.cleaning).length;
  io.stdout(
    `Created a simulated library in ${layout.stateDir}: ${count(state.drives.length, "drive")}, ` +
      `${count(state.slots.length - mail, "storage slot")} and ${mail} import/export, ` +
      `${cartridges.length - cleaning} data and ${count(cleaning, "cleaning cartridge")}.\n` +
      `Point pytarchive at it with the lines of: pytarchive-sim env --state ${layout.stateDir}\n`,
  );
  return 0;
}

/** The pytarchive.conf sections a product needs to use this library. */
export function formatSimulatorConfig(stateDir: string): string {
  const layout = simulatorLayout(stateDir);
  const state = readLibrary(layout.stateDir);
  const lines = [
    `# Simulated tape library in ${layout.stateDir} (pytarchive-sim)`,
    "[Tools]",
    `path = ${layout.binDir}`,
    "",
    "[Device]",
    `library = ${layout.changerDevice}`,
    // Says so to pytarchive, which marks this library's tapes as simulated.
    "simulate = yes",
    ...mediaCapacityLines(state),
  ];
  for (const drive of state.drives) {
    lines.push(
      "",
      `[Drive ${drive.index}]`,
      `device = ${layout.driveDevice(drive.index)}`,
      `mount_point = ${layout.defaultMountPoint(drive.index)}`,
      `# tapeinfo serial: ${drive.serial}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The simulated cartridges are far smaller than the LTO generation their barcodes name: the
 * library tells pytarchive what a blank one holds (the smallest, if they differ), as LTFS tells
 * it once a tape is formatted.
 */
function mediaCapacityLines(state: LibraryState): string[] {
  const sizes = Object.values(state.cartridges)
    .filter((cartridge) => !cartridge.cleaning && cartridge.capacityMiB > 0)
    .map((cartridge) => cartridge.capacityMiB);
  if (sizes.length === 0) return [];
  return [`media_capacity = ${Math.min(...sizes) * 1024}`];
}

function envCommand(args: readonly string[], io: ToolIO): number {
  const { values } = parseArgs({ args: [...args], options: { state: { type: "string" } } });
  io.stdout(formatSimulatorConfig(existingState(values.state)));
  return 0;
}

function describeFault(fault: Fault): string {
  const times =
    fault.times === null ? "every time" : `${fault.times} time${fault.times === 1 ? "" : "s"}`;
  const hex = (value: number) => value.toString(16).toUpperCase().padStart(2, "0");
  switch (fault.kind) {
    case "sense":
      return `mtx ${fault.operation}: ${fault.senseKey}, ASC ${hex(fault.asc)} ASCQ ${hex(fault.ascq)} (${times})`;
    case "device-busy":
      return `mtx ${fault.operation}: changer device busy (${times})`;
    case "not-ready":
      return `${fault.tool}: drive ${fault.driveIndex ?? "any"} not ready (${times})`;
    case "mount-failure":
      return `ltfs: cannot mount the tape in drive ${fault.driveIndex ?? "any"} (${times})`;
  }
}

function statusCommand(args: readonly string[], io: ToolIO): number {
  const { values } = parseArgs({ args: [...args], options: { state: { type: "string" } } });
  const stateDir = existingState(values.state);
  const layout = simulatorLayout(stateDir);
  const state = readLibrary(stateDir);
  const lines = [
    `${state.vendor} ${state.product} in ${layout.stateDir} (changer ${layout.changerDevice})`,
  ];
  for (const drive of state.drives) {
    let line = `Drive ${drive.index} (${drive.serial}): `;
    if (drive.barcode === null) {
      line += "empty";
    } else {
      line += `${drive.barcode}${drive.sourceSlot === null ? "" : ` from slot ${drive.sourceSlot}`}`;
      const record = readMountRecord(stateDir, drive.index);
      if (record === "unreadable") line += ", mount record unreadable";
      else if (record) line += `, mounted at ${record.mountPoint} by pid ${record.pid}`;
    }
    if (drive.tapeAlerts?.length) line += `, TapeAlert ${drive.tapeAlerts.join(",")}`;
    lines.push(line);
  }
  for (const slot of state.slots) {
    const kind = slot.importExport ? " (import/export)" : "";
    const cartridge = slot.barcode === null ? undefined : state.cartridges[slot.barcode];
    const notes = [
      cartridge?.cleaning ? "cleaning" : "",
      cartridge?.writeProtected ? "write-protected" : "",
      slot.unlabelled ? "no label" : "",
    ].filter(Boolean);
    const content = slot.barcode ?? "empty";
    lines.push(
      `Slot ${slot.index}${kind}: ${content}${notes.length ? ` (${notes.join(", ")})` : ""}`,
    );
  }
  const faults = readFaults(stateDir);
  lines.push(faults.length ? "Faults waiting:" : "No faults waiting.");
  for (const fault of faults) lines.push(`  ${describeFault(fault)}`);
  io.stdout(`${lines.join("\n")}\n`);
  return 0;
}

/** `SPEC[:TIMES]`: the spec and how often the fault fires (null = every time). */
function splitTimes(value: string, parts: number): { fields: string[]; times: number | null } {
  const fields = value.split(":");
  if (fields.length === parts) return { fields, times: 1 };
  if (fields.length !== parts + 1) throw new UsageError(`Cannot read fault spec "${value}".`);
  const last = fields.pop() as string;
  if (last === "always") return { fields, times: null };
  if (!/^[1-9]\d*$/.test(last)) {
    throw new UsageError(`"${last}" in "${value}" is not a count; use a number or "always".`);
  }
  return { fields, times: Number(last) };
}

const MTX_OPERATIONS = ["load", "unload", "transfer", "status"] as const;
type MtxOperation = (typeof MTX_OPERATIONS)[number];

function mtxOperation(value: string | undefined, spec: string): MtxOperation {
  const operation = MTX_OPERATIONS.find((candidate) => candidate === value);
  if (!operation) {
    throw new UsageError(`"${spec}" must start with load, unload, transfer or status.`);
  }
  return operation;
}

function driveNumber(value: string | undefined, spec: string): number {
  if (value === undefined || !/^\d+$/.test(value)) {
    throw new UsageError(`"${spec}" must start with a drive number.`);
  }
  return Number(value);
}

function parseSenseFault(spec: string, senseKeyOption: string | undefined): Fault {
  const { fields, times } = splitTimes(spec, 2);
  const operation = mtxOperation(fields[0], spec);
  const match = /^([0-9a-f]{1,2})\/([0-9a-f]{1,2})$/i.exec(fields[1] ?? "");
  if (!match) throw new UsageError(`"${spec}" needs ASC/ASCQ in hex, e.g. unload:53/03.`);
  const asc = Number.parseInt(match[1] as string, 16);
  const ascq = Number.parseInt(match[2] as string, 16);
  const senseKey =
    senseKeyOption === undefined ? usualSenseKeyFor(asc) : senseKeyName(senseKeyOption);
  if (senseKey === null) {
    throw new UsageError(
      `Unknown sense key "${senseKeyOption}"; use a name like "Illegal Request" or 0-15.`,
    );
  }
  return { kind: "sense", tool: "mtx", operation, senseKey, asc, ascq, times };
}

const NOT_READY_TOOLS = ["tapeinfo", "mkltfs", "ltfs"] as const;

function faultCommand(args: readonly string[], io: ToolIO): number {
  const { values } = parseArgs({
    args: [...args],
    options: {
      state: { type: "string" },
      "mtx-sense": { type: "string", multiple: true },
      "sense-key": { type: "string" },
      "device-busy": { type: "string", multiple: true },
      "not-ready": { type: "string", multiple: true },
      tool: { type: "string" },
      "mount-failure": { type: "string", multiple: true },
      "tape-alert": { type: "string", multiple: true },
      clear: { type: "boolean" },
      list: { type: "boolean" },
    },
  });
  const stateDir = existingState(values.state);
  if (values.clear) {
    clearFaults(stateDir);
    withLibraryLock(stateDir, () => {
      const state = readLibrary(stateDir);
      for (const drive of state.drives) delete drive.tapeAlerts;
      writeLibrary(stateDir, state);
    });
  }
  const faults: Fault[] = [];
  for (const spec of values["mtx-sense"] ?? [])
    faults.push(parseSenseFault(spec, values["sense-key"]));
  for (const spec of values["device-busy"] ?? []) {
    const { fields, times } = splitTimes(spec, 1);
    faults.push({
      kind: "device-busy",
      tool: "mtx",
      operation: mtxOperation(fields[0], spec),
      times,
    });
  }
  const notReadyTools =
    values.tool === undefined
      ? NOT_READY_TOOLS
      : NOT_READY_TOOLS.filter((tool) => tool === values.tool);
  if (notReadyTools.length === 0)
    throw new UsageError(`--tool must be tapeinfo, mkltfs or ltfs, not "${values.tool}".`);
  for (const spec of values["not-ready"] ?? []) {
    const { fields, times } = splitTimes(spec, 1);
    const driveIndex = driveNumber(fields[0], spec);
    for (const tool of notReadyTools) faults.push({ kind: "not-ready", tool, driveIndex, times });
  }
  for (const spec of values["mount-failure"] ?? []) {
    const { fields, times } = splitTimes(spec, 1);
    faults.push({
      kind: "mount-failure",
      tool: "ltfs",
      driveIndex: driveNumber(fields[0], spec),
      times,
    });
  }
  for (const fault of faults) injectFault(stateDir, fault);
  for (const spec of values["tape-alert"] ?? []) raiseTapeAlerts(stateDir, spec);
  if (values.list) {
    const waiting = readFaults(stateDir);
    io.stdout(
      waiting.length
        ? waiting.map((fault) => `${describeFault(fault)}\n`).join("")
        : "No faults waiting.\n",
    );
  }
  return 0;
}

function raiseTapeAlerts(stateDir: string, spec: string): void {
  const match = /^(\d+):(\d+(?:,\d+)*)$/.exec(spec);
  if (!match)
    throw new UsageError(`--tape-alert takes DRIVE:FLAG[,FLAG], e.g. 0:20, not "${spec}".`);
  const driveIndex = Number(match[1]);
  const flags = (match[2] as string).split(",").map(Number);
  const bad = flags.find((flag) => flag < 1 || flag > MAX_TAPE_ALERT_FLAG);
  if (bad !== undefined)
    throw new UsageError(`TapeAlert flag ${bad} is outside 1..${MAX_TAPE_ALERT_FLAG}.`);
  withLibraryLock(stateDir, () => {
    const state = readLibrary(stateDir);
    const drive = state.drives[driveIndex];
    if (!drive) throw new UsageError(`Drive ${driveIndex} does not exist in ${stateDir}.`);
    drive.tapeAlerts = [...new Set([...(drive.tapeAlerts ?? []), ...flags])].sort((a, b) => a - b);
    writeLibrary(stateDir, state);
  });
}
