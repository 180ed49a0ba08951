import type { LoadedDrive } from "./drive-device.ts";
import { lookupDriveDevice } from "./drive-device.ts";
import type { LtfsLog } from "./ltfs-log.ts";
import { inspectMediumUse } from "./medium-use.ts";
import { isMediumDirty } from "./tape-medium.ts";

/** How opening the tape device went, after the messages LTFS prints for it. */
export type DriveOpenResult =
  | { readonly kind: "opened"; readonly drive: LoadedDrive }
  /** No such device, or no cartridge in the drive (the file backend's missing directory). */
  | { readonly kind: "no-device" }
  /** Another ltfs holds the drive, or the medium is still mounted (EBUSY). */
  | { readonly kind: "busy" }
  /** The caller's `refuse` check failed the open (an injected mount failure). */
  | { readonly kind: "refused" };

/**
 * Opens the device the way LTFS's file backend reports it: LTFS30000I, then either the
 * "redirecting file" failure of a missing directory (what an empty simulated drive looks like)
 * or LTFS30003I and the LTFS30061E every real run prints. A drive held by another ltfs
 * process fails as the sg backend does for a reserved device (errno 16, EBUSY).
 * The caller prints its own closing error (LTFS15009E, LTFS10004E, LTFS16011E).
 */
export function openDrive(
  log: LtfsLog,
  device: string,
  options: {
    /** Fails the open with LTFS12012E when it returns true (an injected mount failure). */
    readonly refuse?: (drive: LoadedDrive) => boolean;
    /**
     * ltfs only: a medium a crashed daemon left mounted counts as openable when it is dirty,
     * since the mount then fails at once with LTFS11220E, as it does on a real drive (a dead
     * process holds no reservation). mkltfs and ltfsck must not touch it while it is mounted.
     */
    readonly openCrashedMedium?: boolean;
  } = {},
): DriveOpenResult {
  log.say("30000I", `Opening a device through generic file driver (${device}).`);
  const found = lookupDriveDevice(device);
  if (found.kind !== "loaded") {
    const workDir = `/tmp/ltfs${process.pid}`;
    log.say("30081I", `Getting the device directory (${workDir}).`);
    log.say("30082I", `No device directory is specified (${workDir}).`);
    log.say("30001I", `Opening a redirecting file through generic file driver (${device}).`);
    log.say("30002E", `Cannot open redirecting file (${device}).`);
    log.say("12012E", "Cannot open device: failed backend open call.");
    return { kind: "no-device" };
  }
  if (options.refuse?.(found)) {
    log.say("12012E", "Cannot open device: failed backend open call.");
    return { kind: "refused" };
  }
  const use = inspectMediumUse(found.stateDir, found.driveIndex, found.tapeDir);
  const crashed = use.kind === "mounted" && isMediumDirty(found.tapeDir);
  if (use.kind !== "free" && !(crashed && options.openCrashedMedium)) {
    log.say("30210I", `Cannot open device: failed to open ${device} (16).`);
    log.say("12012E", "Cannot open device: failed backend open call.");
    return { kind: "busy" };
  }
  log.say("30003I", `Opening a directory through generic file driver (${device}).`);
  log.say("30061E", "Cannot unlock medium: unit not ready.");
  log.say("17160I", "Maximum device block size is 4194304.");
  return { kind: "opened", drive: found };
}

/** LTFS11330I … LTFS17157I: the cartridge loads and the drive goes to write-anywhere mode. */
export function sayCartridgeLoaded(log: LtfsLog, device: string): void {
  log.say("30048I", `Loading a directory through generic file driver (${device}).`);
  log.say("11332I", "Load successful.");
  log.say("17157I", "Changing the drive setting to write-anywhere mode.");
}

/** The MAM attributes ltfs and ltfsck print while mounting a volume. */
export function sayTapeAttributes(
  log: LtfsLog,
  label: { readonly volumeSerial: string | null; readonly volumeName: string | null },
): void {
  log.say("17227I", "Tape attribute: Vendor = IBM     .");
  log.say("17227I", `Tape attribute: Application Name = ${"LTFS".padEnd(32, " ")}.`);
  log.say("17227I", "Tape attribute: Application Version = 2.4.8.4 .");
  log.say("17227I", `Tape attribute: Medium Label = ${label.volumeName ?? ""}.`);
  log.say("17228I", "Tape attribute: Text Localization ID = 0x81.");
  log.say("17227I", `Tape attribute: Barcode = ${(label.volumeSerial ?? "").padEnd(32, " ")}.`);
  log.say("17227I", `Tape attribute: Application Format Version = ${"2.4.0".padEnd(16, " ")}.`);
  log.say("17228I", "Tape attribute: Volume Lock Status = 0x00.");
  log.say("17227I", "Tape attribute: Media Pool name = .");
}
