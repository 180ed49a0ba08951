import fs from "node:fs";
import path from "node:path";
import { handOverToDaemon, spawnDaemon } from "./daemon-launch.ts";
import { takeDriveFault } from "./drive-faults.ts";
import { openDrive, sayCartridgeLoaded, sayTapeAttributes } from "./drive-open.ts";
import {
  createLtfsLog,
  type LtfsLog,
  ltfsThreadId,
  sayRuntimeInfo,
  type ToolOutput,
} from "./ltfs-log.ts";
import { parseLtfsOptions, syncTypeMessage } from "./ltfs-options.ts";
import { isMountPoint } from "./mount-info.ts";
import { mountVolume, watchVolume } from "./serve-volume.ts";
import { isMediumDirty, printedSerial, readTapeLabel } from "./tape-medium.ts";

/** Environment variable: how long the daemon takes to write its index after umount (ms). */
export const INDEX_DELAY_ENV = "PYTARCHIVE_SIM_LTFS_INDEX_DELAY_MS";
const DEFAULT_INDEX_DELAY_MS = 200;

function indexDelayMs(): number {
  const value = Number(process.env[INDEX_DELAY_ENV]);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_INDEX_DELAY_MS;
}

const HELP = `usage: ltfs mountpoint [options]

LTFS options:
    -o devname=<dev>          Tape device (default: 0)
    -o sync_type=<type>       Specify sync type (default: time@5)
    -a                        Advanced help, including standard FUSE options
    -V, --version             Output version information and exit
    -h, --help                Display this help and exit

`;

/**
 * The simulated `ltfs`: mounts the volume of the tape in a simulated drive and returns once
 * the mount is in the mount table, leaving a detached daemon behind (or, with `-f`, serving
 * it itself until it is unmounted). Messages and exit codes follow real ltfs 2.4.8.4, its
 * quirk included: a mount point that is not empty gets "fuse: mountpoint is not empty",
 * LTFS14123W, nothing mounted, and exit code 0.
 */
export async function runLtfs(args: readonly string[], output: ToolOutput): Promise<number> {
  const options = parseLtfsOptions(args);
  const log = createLtfsLog({
    write: output.stderr,
    threadId: ltfsThreadId(),
    quiet: options.quiet,
  });
  if (options.version) {
    output.stderr("LTFS version 2.4.8.4 (Prelim).\nLTFS Format Specification version 2.4.0.\n");
    return 0;
  }
  if (options.help) {
    log.say("17085I", 'Plugin: Loading "sg" tape backend.');
    output.stderr(HELP);
    return 0;
  }
  log.say("14000I", "LTFS starting, LTFS version 2.4.8.4 (Prelim), log level 2.");
  log.say("14058I", "LTFS Format Specification version 2.4.0.");
  log.say("14104I", `Launched by "${["ltfs", ...args].join(" ")}".`);
  log.say("14105I", "This binary is built for Linux (x86_64).");
  log.say("14106I", "GCC version is 12.2.0.");
  sayRuntimeInfo(log);
  const sync = syncTypeMessage(options.syncType);
  log.say(sync.id, sync.text);
  log.say("17085I", 'Plugin: Loading "file" tape backend.');
  log.say("17085I", 'Plugin: Loading "unified" iosched backend.');
  log.say("14095I", "Set the tape device write-anywhere mode to avoid cartridge ejection.");

  const devname = options.devname;
  if (devname === null) {
    log.say(
      "14009E",
      `The backend 'file' does not have a default device. Specify one using the "-o devname=" option.`,
    );
    return 1;
  }
  const opened = openDrive(log, devname, {
    refuse: (drive) => takeDriveFault(drive, "ltfs", "mount-failure") !== null,
    openCrashedMedium: true,
  });
  if (opened.kind !== "opened") {
    log.say("10004E", `Cannot open device '${devname}'.`);
    return 1;
  }
  const drive = opened.drive;
  log.say("11330I", "Loading cartridge.");
  if (takeDriveFault(drive, "ltfs", "not-ready") !== null) {
    log.say("11331E", `Failed to load the cartridge (${devname}).`);
    log.say("14075E", "Cannot set up tape drive.");
    return 1;
  }
  sayCartridgeLoaded(log, devname);
  log.say("11005I", "Mounting the volume.");
  if (drive.cartridge.cleaning) {
    log.say("11298E", "Cannot read volume: unsupported medium.");
    return cannotMount(log);
  }
  const label = readTapeLabel(drive.tapeDir);
  if (label === null) {
    log.say("17168E", "Cannot read volume: medium is not partitioned.");
    return cannotMount(log);
  }
  if (isMediumDirty(drive.tapeDir)) {
    // A daemon died without writing its index: data lies beyond the last index on tape.
    log.say("11026I", "Performing a full medium consistency check.");
    log.say("17037E", "XML parser: failed to read from XML stream.");
    log.say("17016E", "Cannot parse index direct from medium (-5000).");
    log.say("11194W", "Cannot read index: failed to read and parse XML data (-5000).");
    log.say("11220E", "Medium check failed: extra blocks detected. Run ltfsck.");
    log.say("11027E", "Cannot mount volume: medium consistency check failed.");
    return cannotMount(log);
  }
  sayTapeAttributes(log, label);
  log.say(
    "11031I",
    `Volume mounted successfully. ${printedSerial(label)} : Gen = ${label.generation} / (a, 5) -> (b, ${label.indexPosition}) / ${drive.driveSerial}.`,
  );
  if (drive.cartridge.writeProtected) {
    log.say("14019I", "Medium is write protected. Mounting read-only.");
  }

  const mountPoint = options.mountPoint;
  if (mountPoint === null) {
    log.line("fuse: missing mountpoint parameter");
    log.say("14094E", "Cannot get mount point (-1).");
    return 1;
  }
  const problem = mountPointProblem(mountPoint);
  if (problem !== null) {
    log.line(`fuse: bad mount point \`${mountPoint}': ${problem}`);
    log.say("14094E", "Cannot get mount point (-1).");
    return 1;
  }
  log.say("14111I", "Initial setup completed successfully.");
  log.say("14112I", "Invoke 'mount' command to check the result of final setup.");
  log.say("14113I", "Specified mount point is listed if succeeded.");
  if (!options.nonEmpty && fs.readdirSync(mountPoint).length > 0) {
    // FUSE refuses, and ltfs still exits 0: the caller must look at the mount table.
    log.line("fuse: mountpoint is not empty");
    log.line("fuse: if you are sure this is safe, use the 'nonempty' mount option");
    log.say("14123W", "The main function of FUSE returned error (1).");
    return 0;
  }

  const volume = {
    devname,
    stateDir: drive.stateDir,
    driveIndex: drive.driveIndex,
    barcode: drive.barcode,
    tapeDir: drive.tapeDir,
    mountPoint: fs.realpathSync(mountPoint),
    readOnly: options.readOnly || drive.cartridge.writeProtected,
    driveSerial: drive.driveSerial,
    indexDelayMs: indexDelayMs(),
  };
  if (options.foreground) {
    const result = mountVolume(volume, process.pid);
    if (!result.ok) return fuseFailed(log, result.reason);
    return watchVolume(volume, result.mounted, log);
  }
  const daemon = spawnDaemon(args);
  if (daemon.pid === undefined) return fuseFailed(log, "cannot start the ltfs daemon process");
  const result = mountVolume(volume, daemon.pid);
  if (!result.ok) {
    daemon.kill("SIGKILL");
    daemon.unref();
    return fuseFailed(log, result.reason);
  }
  await handOverToDaemon(daemon, { volume, mounted: result.mounted });
  if (!isMountPoint(volume.mountPoint)) {
    return fuseFailed(log, `${volume.mountPoint} is not in the mount table`);
  }
  return 0;
}

function cannotMount(log: LtfsLog): number {
  log.say("14013E", "Cannot mount the volume.");
  return 1;
}

function fuseFailed(log: LtfsLog, reason: string): number {
  log.line(`fuse: ${reason}`);
  log.say("14123W", "The main function of FUSE returned error (1).");
  return 1;
}

/** What FUSE says about a mount point it cannot use, or null when it is a directory. */
function mountPointProblem(mountPoint: string): string | null {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(path.resolve(mountPoint));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? "No such file or directory" : `${code}`;
  }
  return stats.isDirectory() ? null : "Not a directory";
}
