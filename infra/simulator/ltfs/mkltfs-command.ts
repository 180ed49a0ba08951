import { simulatorLayout } from "../layout.ts";
import type { LoadedDrive } from "./drive-device.ts";
import { takeDriveFault } from "./drive-faults.ts";
import { openDrive, sayCartridgeLoaded } from "./drive-open.ts";
import { formatMedium } from "./format-medium.ts";
import {
  createLtfsLog,
  fakePointer,
  type LtfsLog,
  sayRuntimeInfo,
  type ToolOutput,
} from "./ltfs-log.ts";
import {
  MKLTFS_USAGE,
  type MkltfsOptions,
  parseMkltfsOptions,
  volumeSerialProblem,
} from "./mkltfs-options.ts";
import { eraseMedium, readTapeLabel } from "./tape-medium.ts";

/** mkltfs exit codes (ltfs_error.h). */
const EXIT = { ok: 0, unformatted: 1, operational: 8, usage: 16 } as const;

function sayUsage(log: LtfsLog, output: ToolOutput): void {
  log.say("17085I", 'Plugin: Loading "sg" tape backend.');
  output.stderr(MKLTFS_USAGE);
}

/**
 * The simulated `mkltfs`: formats (or with `-w` wipes) the cartridge in a simulated drive,
 * with real mkltfs's messages (stderr, no thread id) and exit codes: 0 formatted, 1 wiped,
 * 8 operational error (no cartridge, drive busy or not ready, cleaning cartridge), 16 usage
 * error, already formatted without `-f`, or write-protected cartridge.
 */
export function runMkltfs(args: readonly string[], output: ToolOutput): number {
  const parsed = parseMkltfsOptions(args);
  const log = createLtfsLog({
    write: output.stderr,
    quiet: parsed.ok ? parsed.options.quiet : args.includes("-q"),
  });
  if (!parsed.ok) {
    log.line(`mkltfs: ${parsed.message}`);
    sayUsage(log, output);
    return EXIT.usage;
  }
  const options = parsed.options;
  if (options.version) {
    output.stderr("mkltfs version 2.4.8.4 (Prelim).\nLTFS Format Specification version 2.4.0.\n");
    return EXIT.ok;
  }
  if (options.help) {
    sayUsage(log, output);
    return EXIT.ok;
  }
  log.say("15000I", "Starting mkltfs, LTFS version 2.4.8.4 (Prelim), log level 2.");
  log.say("15041I", `Launched by "${["mkltfs", ...args].join(" ")}".`);
  log.say("15042I", "This binary is built for Linux (x86_64).");
  log.say("15043I", "GCC version is 12.2.0.");
  sayRuntimeInfo(log);

  const serialProblem =
    options.volumeSerial === null ? null : volumeSerialProblem(options.volumeSerial);
  if (serialProblem !== null) {
    if (serialProblem === "length") log.say("15029E", "Tape serial must be 6 characters.");
    else log.say("15030E", "Tape serial must contain only ASCII digits and capital letters.");
    sayUsage(log, output);
    return EXIT.usage;
  }
  const device = options.device;
  if (device === null || (options.volumeName ?? "").includes("/")) {
    if (device === null) log.say("15026E", "Device name must use the '-d' option.");
    else log.say("15031E", "Volume name must conform to file name rules.");
    log.say("15002E", "Option validation failed.");
    sayUsage(log, output);
    return EXIT.usage;
  }
  log.say("15003I", `Formatting device '${device}'.`);
  log.say("15004I", "LTFS volume blocksize: 524288.");
  log.say("15005I", `Index partition placement policy: ${options.rules ?? "None"}.`);
  log.infoLine("");
  return options.wipe ? wipeTape(log, device) : formatTape(log, device, options);
}

function formatTape(log: LtfsLog, device: string, options: MkltfsOptions): number {
  const serial = options.volumeSerial ?? "NO_BARCODE";
  const failed = (code: number): number => {
    log.say("15023I", "Formatting failed.");
    return code;
  };
  log.say("11337I", `Update index-dirty flag (1) - ${serial} (${fakePointer()}).`);
  log.say("17085I", 'Plugin: Loading "file" tape backend.');
  const opened = openDrive(log, device);
  if (opened.kind !== "opened") {
    log.say(
      "15009E",
      `Cannot open device '${device}' (${opened.kind === "busy" ? -21711 : -21700}).`,
    );
    return failed(EXIT.operational);
  }
  const drive = opened.drive;
  log.say("11330I", "Loading cartridge.");
  if (!driveIsReady(log, drive)) {
    log.say("15044E", "Cannot set up tape device.");
    return failed(EXIT.operational);
  }
  sayCartridgeLoaded(log, device);

  if (!options.force) {
    log.say("15049I", "Checking the medium (mount).");
    if (readTapeLabel(drive.tapeDir) !== null) {
      log.say("15047E", "Medium is already formatted (0).");
      log.say("15048I", "Need to specify -f or --force option to format this medium.");
      return failed(EXIT.usage);
    }
  } else {
    log.say("15049I", "Checking the medium (load).");
  }
  log.say("15010I", "Creating data partition b on SCSI partition 1.");
  log.say("15011I", "Creating index partition a on SCSI partition 0.");
  if (drive.cartridge.writeProtected) {
    log.say("11095E", "Cannot format: the medium is write protected.");
    log.say("15012E", "Failed to format the medium.");
    return failed(EXIT.usage);
  }
  log.say("17165I", "Resetting the medium's capacity proportion.");
  log.say("11097I", "Partitioning the medium.");
  let label: ReturnType<typeof formatMedium>;
  try {
    label = formatMedium({
      tapeDir: drive.tapeDir,
      runDir: simulatorLayout(drive.stateDir).runDir,
      barcode: drive.barcode,
      capacityMiB: drive.cartridge.capacityMiB,
      volumeSerial: options.volumeSerial,
      volumeName: options.volumeName,
    });
  } catch (error) {
    log.say("15012E", "Failed to format the medium.");
    log.line(`mkltfs (simulated drive): ${(error as Error).message}`);
    return failed(EXIT.operational);
  }
  for (const partition of ["b", "a"] as const) {
    log.say("11100I", `Writing label to partition ${partition}.`);
    log.say("11278I", `Writing index to partition ${partition}.`);
    if (!options.force)
      log.say("11336I", "The attribute does not exist. Ignore the expected error.");
    log.say(
      "17235I",
      `Writing index of ${serial} to ${partition} (Reason: Format, 0 files) ${drive.driveSerial}.`,
    );
    log.say(
      "17236I",
      `Wrote index of ${serial} (Gen = 1, Part = ${partition}, Pos = 5, ${drive.driveSerial}).`,
    );
    if (partition === "b") {
      log.say("11337I", `Update index-dirty flag (0) - ${serial} (${fakePointer()}).`);
    }
  }
  log.say("15013I", `Volume UUID is: ${label.volumeUUID}.`);
  log.infoLine("");
  const gigabytes = Math.round((drive.cartridge.capacityMiB * 1024 * 1024) / 1e9);
  log.say("15019I", `Volume capacity is ${gigabytes} GB.`);
  log.say("15024I", "Medium formatted successfully.");
  return EXIT.ok;
}

function wipeTape(log: LtfsLog, device: string): number {
  const failed = (): number => {
    log.say("15039I", "Unformatting failed.");
    return EXIT.operational;
  };
  log.say("17085I", 'Plugin: Loading "file" tape backend.');
  const opened = openDrive(log, device);
  if (opened.kind !== "opened") {
    log.say(
      "15009E",
      `Cannot open device '${device}' (${opened.kind === "busy" ? -21711 : -21700}).`,
    );
    return failed();
  }
  const drive = opened.drive;
  log.say("30058E", "Cannot get remaining capacity: unit not ready.");
  if (!driveIsReady(log, drive)) {
    log.say("15044E", "Cannot set up tape device.");
    return failed();
  }
  log.say("17157I", "Changing the drive setting to write-anywhere mode.");
  log.say("30048I", `Loading a directory through generic file driver (${device}).`);
  log.say("17071I", "Unpartitioning the medium.");
  if (drive.cartridge.writeProtected) {
    log.say("15038E", "Failed to unformat the medium.");
    return failed();
  }
  eraseMedium(drive.tapeDir);
  log.say("15040I", "Medium unformatted successfully.");
  return EXIT.unformatted;
}

/**
 * Whether the drive comes ready with this cartridge. An injected not-ready fault says no; so
 * does a cleaning cartridge, which the drive runs and ejects instead of offering it to LTFS.
 */
function driveIsReady(log: LtfsLog, drive: LoadedDrive): boolean {
  if (drive.cartridge.cleaning) {
    log.say("11298E", "Cannot read volume: unsupported medium.");
    return false;
  }
  return takeDriveFault(drive, "mkltfs", "not-ready") === null;
}
