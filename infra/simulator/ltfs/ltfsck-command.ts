import fs from "node:fs";
import path from "node:path";
import { simulatorLayout } from "../layout.ts";
import type { LoadedDrive } from "./drive-device.ts";
import { openDrive, sayCartridgeLoaded, sayTapeAttributes } from "./drive-open.ts";
import { writeIndex } from "./index-writer.ts";
import {
  createLtfsLog,
  fakePointer,
  type LtfsLog,
  sayRuntimeInfo,
  type ToolOutput,
} from "./ltfs-log.ts";
import { LTFSCK_USAGE, type LtfsckOptions, parseLtfsckOptions } from "./ltfsck-options.ts";
import { withPrivateMount } from "./private-mount.ts";
import { recoverUnindexedData } from "./recover-medium.ts";
import { formatRollbackPoints } from "./rollback-points.ts";
import { runSystemCommand, SystemCommandError } from "./system-command.ts";
import {
  clearMediumDirty,
  isMediumDirty,
  ltfsckTime,
  printedSerial,
  readTapeLabel,
  type TapeLabel,
  tapeMediumFiles,
  writeTapeLabel,
} from "./tape-medium.ts";

/** ltfsck exit codes (ltfs_error.h): 1 "corrected" is what a clean check returns too. */
const EXIT = { ok: 0, corrected: 1, uncorrected: 4, operational: 8, usage: 16 } as const;

/**
 * The simulated `ltfsck <device>`: checks the volume of the tape in a simulated drive and, after
 * a crashed ltfs daemon, recovers it (drops what was written after the last index, or keeps it
 * in /_ltfs_lostandfound with -f) and writes a new index. Exit codes as real ltfsck: 1 even for
 * a consistent volume, 4 for a blank tape, 8 for no cartridge or a drive in use, 16 for usage;
 * `-l` lists the rollback points on stdout and exits 0.
 */
export function runLtfsck(args: readonly string[], output: ToolOutput): number {
  const parsed = parseLtfsckOptions(args);
  const log = createLtfsLog({
    write: output.stderr,
    quiet: parsed.ok ? parsed.options.quiet : args.includes("-q"),
  });
  if (!parsed.ok) {
    log.line(`ltfsck: ${parsed.message}`);
    output.stderr(LTFSCK_USAGE);
    return EXIT.usage;
  }
  const options = parsed.options;
  if (options.version) {
    output.stderr("ltfsck version 2.4.8.4 (Prelim).\nLTFS Format Specification version 2.4.0.\n");
    return EXIT.ok;
  }
  if (options.help) {
    output.stderr(LTFSCK_USAGE);
    return EXIT.ok;
  }
  log.say("16000I", "Starting ltfsck, LTFS version 2.4.8.4 (Prelim), log level 2.");
  log.say("16088I", `Launched by "${["ltfsck", ...args].join(" ")}".`);
  log.say("16089I", "This binary is built for Linux (x86_64).");
  log.say("16090I", "GCC version is 12.2.0.");
  sayRuntimeInfo(log);
  const device = options.device;
  if (device === null) {
    log.say("16009E", "Must provide device name.");
    output.stderr(LTFSCK_USAGE);
    return EXIT.usage;
  }
  if (options.rollback && options.generation === null) {
    log.say("16003E", "Must provide search criteria using -g.");
    return EXIT.usage;
  }
  if (options.listRollbackPoints) {
    log.say("16084I", "List indexes in backward direction strategy.");
  } else if (options.rollback) {
    log.say("16006I", `Rolling back to generation ${options.generation}.`);
  }
  log.say("17085I", 'Plugin: Loading "file" tape backend.');
  const opened = openDrive(log, device);
  if (opened.kind !== "opened") {
    log.say("16011E", `Cannot open device '${device}'.`);
    return EXIT.operational;
  }
  const drive = opened.drive;
  log.say("11330I", "Loading cartridge.");
  sayCartridgeLoaded(log, device);
  if (options.listRollbackPoints) {
    log.say("16018I", `Listing LTFS file system rollback points on '${device}'.`);
  } else if (options.rollback) {
    log.say("16015I", `Rolling back LTFS file system on '${device}'.`);
  } else {
    log.say("16014I", `Checking LTFS file system on '${device}'.`);
  }
  if (drive.cartridge.cleaning) {
    log.say("11298E", "Cannot read volume: unsupported medium.");
    log.say("16080E", "Cannot check volume (8).");
    return EXIT.operational;
  }
  const label = readTapeLabel(drive.tapeDir);
  if (label === null) {
    log.say("17168E", "Cannot read volume: medium is not partitioned.");
    log.say("16080E", "Cannot check volume (8).");
    return EXIT.uncorrected;
  }
  sayVolumeInformation(log, label);
  if (options.listRollbackPoints) {
    log.say("11005I", "Mounting the volume.");
    sayTapeAttributes(log, label);
    sayMounted(log, label, drive);
    output.stdout(formatRollbackPoints(label, { full: options.fullIndexInfo }));
    return EXIT.ok;
  }
  if (options.rollback) {
    log.say("16109E", "This operation is not allowed on this medium (rollback).");
    return EXIT.operational;
  }
  return checkVolume(log, drive, label, options);
}

function sayVolumeInformation(log: LtfsLog, label: TapeLabel): void {
  log.say("16023I", "LTFS volume information:.");
  log.say("16024I", `Volser (bar code) : ${label.volumeSerial ?? ""}.`);
  log.say("16025I", `Volume UUID     : ${label.volumeUUID}.`);
  log.say("16026I", `Format time     : ${ltfsckTime(label.formatTime)}.`);
  log.say("16027I", "Block size      : 524288.");
  log.say("16028I", "Compression     : Enabled.");
  log.say("16029I", "Index partition : ID = a, SCSI Partition = 0.");
  log.say("16030I", "Data partition  : ID = b, SCSI Partition = 1.");
  log.infoLine("");
}

function sayMounted(log: LtfsLog, label: TapeLabel, drive: LoadedDrive): void {
  log.say(
    "11031I",
    `Volume mounted successfully. ${printedSerial(label)} : Gen = ${label.generation} / (a, 5) -> (b, ${label.indexPosition}) / ${drive.driveSerial}.`,
  );
}

function checkVolume(
  log: LtfsLog,
  drive: LoadedDrive,
  label: TapeLabel,
  options: LtfsckOptions,
): number {
  log.say("11005I", "Mounting the volume.");
  log.say("11026I", "Performing a full medium consistency check.");
  let current = label;
  if (isMediumDirty(drive.tapeDir)) {
    log.say("17037E", "XML parser: failed to read from XML stream.");
    log.say("17016E", "Cannot parse index direct from medium (-5000).");
    log.say("11194W", "Cannot read index: failed to read and parse XML data (-5000).");
    const recovered = recoverVolume(log, drive, label, options.fullRecovery);
    if (recovered === null) {
      log.say("16021E", "Volume is inconsistent and was not corrected.");
      return EXIT.uncorrected;
    }
    current = recovered;
  } else {
    log.say("11233I", "Updating MAM coherency data.");
  }
  sayTapeAttributes(log, current);
  sayMounted(log, current, drive);
  log.say(
    "17265I",
    "Skip writing the index because of the volume is not dirty and current self pointer points IP.",
  );
  log.say("11034I", "Volume unmounted successfully.");
  log.say("16022I", "Volume is consistent.");
  return EXIT.corrected;
}

/**
 * Brings a crashed volume back to a consistent state: e2fsck replays the file system's
 * journal, unindexed data is dropped (or saved with -f), and a new index generation is written.
 * Returns the new label, or null when the medium is beyond repair.
 */
function recoverVolume(
  log: LtfsLog,
  drive: LoadedDrive,
  label: TapeLabel,
  keepBlocks: boolean,
): TapeLabel | null {
  const { image } = tapeMediumFiles(drive.tapeDir);
  try {
    runSystemCommand("e2fsck", ["-p", "-f", image]);
  } catch (error) {
    // 1 and 2: errors corrected. 4 and above: left uncorrected.
    const exitCode = error instanceof SystemCommandError ? error.exitCode : null;
    if (exitCode === null || exitCode >= 4) {
      log.line(`ltfsck (simulated drive): ${(error as Error).message}`);
      return null;
    }
  }
  const runDir = simulatorLayout(drive.stateDir).runDir;
  const serial = printedSerial(label);
  let result: ReturnType<typeof writeIndex>;
  try {
    result = withPrivateMount(image, runDir, (root) => {
      // e2fsck may have made one; an LTFS volume has none.
      const lostFound = path.join(root, "lost+found");
      if (fs.existsSync(lostFound) && fs.readdirSync(lostFound).length === 0) {
        fs.rmdirSync(lostFound);
      }
      const recovery = recoverUnindexedData(root, label, { keepBlocks });
      if (keepBlocks) log.say("11223I", "Generating lost and found directory.");
      else {
        log.say(
          "11227I",
          `Preserve existing unreferred data blocks in the data partition, put the latest index at ${recovery.firstFreeBlock}.`,
        );
      }
      return writeIndex(root, label, {
        reason: "Recovery",
        force: true,
        firstFreeBlock: recovery.firstFreeBlock,
      });
    });
  } catch (error) {
    log.line(`ltfsck (simulated drive): ${(error as Error).message}`);
    return null;
  }
  log.say("11337I", `Update index-dirty flag (1) - ${serial} (${fakePointer()}).`);
  log.say("11230I", "Writing index(es) to restore consistency.");
  log.say("17259I", "Recover an index on DP from (a, 5).");
  const written = result.label;
  const fileCount = result.fileCount;
  log.say(
    "17235I",
    `Writing index of ${serial} to b (Reason: Recovery, ${fileCount} files) ${drive.driveSerial}.`,
  );
  log.say(
    "17236I",
    `Wrote index of ${serial} (Gen = ${written.generation}, Part = b, Pos = ${written.indexPosition}, ${drive.driveSerial}).`,
  );
  log.say("11337I", `Update index-dirty flag (0) - ${serial} (${fakePointer()}).`);
  log.say("17259I", `Recover an index on IP from (b, ${written.indexPosition}).`);
  log.say(
    "17235I",
    `Writing index of ${serial} to a (Reason: Recovery, ${fileCount} files) ${drive.driveSerial}.`,
  );
  log.say(
    "17236I",
    `Wrote index of ${serial} (Gen = ${written.generation}, Part = a, Pos = 5, ${drive.driveSerial}).`,
  );
  writeTapeLabel(drive.tapeDir, written);
  clearMediumDirty(drive.tapeDir);
  return written;
}
