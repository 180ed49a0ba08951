import { PytarchiveError } from "../../errors/index.ts";
import { formatCommandLine } from "../../exec/index.ts";
import { describeDuration } from "../../format/index.ts";
import type { LtfsMessage } from "./messages.ts";

/** Stable codes of every LTFS failure, so scripts and tests can match on them. */
export const LTFS_ERROR_CODES = {
  invalidVolumeSerial: "LTFS_INVALID_VOLUME_SERIAL",
  alreadyFormatted: "LTFS_TAPE_ALREADY_FORMATTED",
  notFormatted: "LTFS_TAPE_NOT_FORMATTED",
  needsRecovery: "LTFS_TAPE_NEEDS_RECOVERY",
  inconsistent: "LTFS_TAPE_INCONSISTENT",
  writeProtected: "LTFS_TAPE_WRITE_PROTECTED",
  deviceUnavailable: "LTFS_DEVICE_UNAVAILABLE",
  tapeMounted: "LTFS_TAPE_MOUNTED",
  mountPointMissing: "LTFS_MOUNT_POINT_MISSING",
  mountPointInUse: "LTFS_MOUNT_POINT_IN_USE",
  mountNotConfirmed: "LTFS_MOUNT_NOT_CONFIRMED",
  notMounted: "LTFS_NOT_MOUNTED",
  unmountBusy: "LTFS_UNMOUNT_BUSY",
  stillRunning: "LTFS_STILL_RUNNING",
  commandFailed: "LTFS_COMMAND_FAILED",
} as const;

export type LtfsErrorCode = (typeof LTFS_ERROR_CODES)[keyof typeof LTFS_ERROR_CODES];

/** Message ids printed on every run, even successful ones; never worth quoting as a cause. */
const ROUTINE_ERROR_IDS: readonly string[] = ["30061E"];

export interface LtfsErrorFields {
  /** The device LTFS was given (`-d`, `-o devname=`), when the failure concerns one. */
  readonly device?: string | null;
  readonly mountPoint?: string | null;
  /** What the LTFS tool printed, in order. */
  readonly messages?: readonly LtfsMessage[];
  readonly cause?: unknown;
}

/** A failed LTFS operation, with the device, mount point and the messages LTFS printed. */
export class LtfsError extends PytarchiveError {
  readonly device: string | null;
  readonly mountPoint: string | null;
  readonly messages: readonly LtfsMessage[];

  constructor(code: LtfsErrorCode, message: string, hint: string, fields: LtfsErrorFields) {
    super(code, message, { hint, cause: fields.cause });
    this.name = new.target.name;
    this.device = fields.device ?? null;
    this.mountPoint = fields.mountPoint ?? null;
    this.messages = fields.messages ?? [];
  }
}

/** The serial is not 6 characters of [0-9A-Z]; checked before mkltfs runs, and reported by it. */
export class InvalidVolumeSerialError extends LtfsError {
  readonly volumeSerial: string;

  constructor(volumeSerial: string, fields: LtfsErrorFields = {}) {
    super(
      LTFS_ERROR_CODES.invalidVolumeSerial,
      `"${volumeSerial}" cannot be an LTFS volume serial: it must be exactly 6 characters, digits and capital letters only`,
      "Use the first six characters of the tape's barcode (AAK788 for AAK788L9).",
      fields,
    );
    this.volumeSerial = volumeSerial;
  }
}

/** mkltfs refused: the tape already holds an LTFS volume (LTFS15047E, exit 16). */
export class TapeAlreadyFormattedError extends LtfsError {
  constructor(fields: LtfsErrorFields) {
    super(
      LTFS_ERROR_CODES.alreadyFormatted,
      `The tape in ${fields.device ?? "the drive"} is already LTFS-formatted, so mkltfs did not format it (LTFS15047E)`,
      "It may hold archived data. Mount it and look at its contents first; format it with force only when you are sure it may be erased.",
      fields,
    );
  }
}

/** The tape holds no LTFS volume: blank, or wiped (LTFS17168E). */
export class TapeNotFormattedError extends LtfsError {
  constructor(fields: LtfsErrorFields) {
    super(
      LTFS_ERROR_CODES.notFormatted,
      `The tape in ${fields.device ?? "the drive"} is not LTFS-formatted (blank or wiped), so LTFS cannot read it (LTFS17168E)`,
      "Format it first (pytarchive archive formats blank tapes itself). If it should hold data, check that the right tape is in the drive.",
      fields,
    );
  }
}

/** The mount-time consistency check failed; ltfsck has to recover the volume (LTFS11220E). */
export class TapeNeedsRecoveryError extends LtfsError {
  constructor(fields: LtfsErrorFields) {
    const device = fields.device ?? "<device>";
    super(
      LTFS_ERROR_CODES.needsRecovery,
      `The tape in ${fields.device ?? "the drive"} failed LTFS's consistency check (LTFS11220E): data was written after its last index, usually because LTFS was stopped without an unmount`,
      `Do not format it. Run \`ltfsck ${device}\` (add -f to keep the unindexed blocks in /_ltfs_lostandfound), then mount it again.`,
      fields,
    );
  }
}

/** ltfsck could not make the volume consistent (exit 4, LTFS16021E or LTFS16080E). */
export class TapeInconsistentError extends LtfsError {
  constructor(fields: LtfsErrorFields) {
    const device = fields.device ?? "<device>";
    super(
      LTFS_ERROR_CODES.inconsistent,
      `ltfsck could not make the LTFS volume on the tape in ${fields.device ?? "the drive"} consistent${quoteErrors(fields.messages)}`,
      `List its index generations with \`ltfsck -l ${device}\` and roll back to the last good one with \`ltfsck -r -g <generation> ${device}\`; do not write to it until then.`,
      fields,
    );
  }
}

/** mkltfs cannot format a write-protected cartridge (LTFS11095E). */
export class TapeWriteProtectedError extends LtfsError {
  constructor(fields: LtfsErrorFields) {
    super(
      LTFS_ERROR_CODES.writeProtected,
      `The tape in ${fields.device ?? "the drive"} is write-protected, so it cannot be formatted (LTFS11095E)`,
      "Unload it and slide the cartridge's write-protect tab to unlocked, or use another tape.",
      fields,
    );
  }
}

/** The tool could not open the drive (mkltfs exit 8, LTFS15009E/LTFS10004E/LTFS12012E). */
export class LtfsDeviceUnavailableError extends LtfsError {
  constructor(tool: string, fields: LtfsErrorFields) {
    const device = fields.device ?? "<device>";
    super(
      LTFS_ERROR_CODES.deviceUnavailable,
      `${tool} could not open the tape device ${device}${quoteErrors(fields.messages)}`,
      `Check that a tape is loaded (\`tapeinfo -f ${device}\` should say "Ready: yes"), that the device name in pytarchive.conf is right, and that no other process (an old ltfs) holds the drive.`,
      fields,
    );
  }
}

/** format or check was asked for while the tape is mounted. */
export class TapeMountedError extends LtfsError {
  constructor(operation: string, fields: LtfsErrorFields) {
    super(
      LTFS_ERROR_CODES.tapeMounted,
      `Will not ${operation} the tape in ${fields.device ?? "the drive"} while it is mounted at ${fields.mountPoint ?? "its mount point"}`,
      "Unmount it first; LTFS does not lock the tape against a second user.",
      fields,
    );
  }
}

/** ltfs loaded the volume but the mount point does not exist (LTFS14094E). */
export class LtfsMountPointMissingError extends LtfsError {
  constructor(fields: LtfsErrorFields) {
    const mountPoint = fields.mountPoint ?? "<mount point>";
    super(
      LTFS_ERROR_CODES.mountPointMissing,
      `Cannot mount the tape in ${fields.device ?? "the drive"}: the mount point ${mountPoint} does not exist (LTFS14094E)`,
      `Create it with \`mkdir -p ${mountPoint}\`, or fix the mount point in pytarchive.conf.`,
      fields,
    );
  }
}

/** Something is already mounted at the mount point; mounting on top would hide it. */
export class LtfsMountPointInUseError extends LtfsError {
  /** What is mounted there now, e.g. "ltfs:/dev/sg3". */
  readonly mountedSource: string;

  constructor(mountedSource: string, fsType: string, fields: LtfsErrorFields) {
    const mountPoint = fields.mountPoint ?? "<mount point>";
    super(
      LTFS_ERROR_CODES.mountPointInUse,
      `Cannot mount the tape in ${fields.device ?? "the drive"} at ${mountPoint}: ${mountedSource} (${fsType}) is already mounted there`,
      `Find out what uses it (\`fuser -vm ${mountPoint}\`) and unmount it first (\`umount ${mountPoint}\`).`,
      fields,
    );
    this.mountedSource = mountedSource;
  }
}

/** ltfs exited as if it had mounted, but the mount table shows nothing at the mount point. */
export class LtfsMountNotConfirmedError extends LtfsError {
  /** Non-LTFS lines ltfs printed, e.g. "fuse: mountpoint is not empty". */
  readonly otherLines: readonly string[];

  constructor(mountTable: string, otherLines: readonly string[], fields: LtfsErrorFields) {
    const mountPoint = fields.mountPoint ?? "<mount point>";
    const said = [
      ...otherLines,
      ...(fields.messages ?? []).filter((m) => m.level === "W" || m.level === "E").map(describe),
    ].filter((line) => !ROUTINE_ERROR_IDS.some((id) => line.startsWith(`LTFS${id}`)));
    super(
      LTFS_ERROR_CODES.mountNotConfirmed,
      `ltfs reported success for ${fields.device ?? "the drive"}, but ${mountTable} shows nothing mounted at ${mountPoint}${said.length > 0 ? `: ${said.join("; ")}` : ""}`,
      `Make sure ${mountPoint} is an empty directory with nothing mounted on it, then mount again.`,
      fields,
    );
    this.otherLines = otherLines;
  }
}

/** An operation that needs the tape mounted found nothing at the mount point. */
export class LtfsNotMountedError extends LtfsError {
  constructor(fields: LtfsErrorFields) {
    super(
      LTFS_ERROR_CODES.notMounted,
      `No tape is mounted at ${fields.mountPoint ?? "the mount point"}`,
      "Mount the tape first.",
      fields,
    );
  }
}

/** umount refused because processes still use the mount (`target is busy`). */
export class LtfsUnmountBusyError extends LtfsError {
  constructor(umountMessage: string, fields: LtfsErrorFields) {
    const mountPoint = fields.mountPoint ?? "<mount point>";
    super(
      LTFS_ERROR_CODES.unmountBusy,
      `Cannot unmount ${mountPoint}: it is still in use (${umountMessage})`,
      `See which processes use it with \`fuser -vm ${mountPoint}\`, end them, and unmount again. Do not unload the tape before the unmount succeeded.`,
      fields,
    );
  }
}

/** The ltfs process serving the mount did not exit in time; it may still be writing the index. */
export class LtfsStillRunningError extends LtfsError {
  readonly pids: readonly number[];

  constructor(pids: readonly number[], waitedMs: number, fields: LtfsErrorFields) {
    const list = pids.join(", ");
    super(
      LTFS_ERROR_CODES.stillRunning,
      `The ltfs process for ${fields.device ?? "the drive"} (pid ${list}) was still running ${describeDuration(waitedMs)} after ${fields.mountPoint ?? "the mount point"} was unmounted; it may still be writing the tape's index`,
      `Do not unload or move the tape. Wait until \`ps -p ${list}\` shows no process, then retry; if it never ends, check the drive and the system log before anything else.`,
      fields,
    );
    this.pids = pids;
  }
}

/** An LTFS tool failed in a way no more specific error describes. */
export class LtfsCommandFailedError extends LtfsError {
  readonly exitCode: number | null;

  constructor(
    run: { command: string; args: readonly string[]; exitCode: number | null },
    fields: LtfsErrorFields,
  ) {
    const how = run.exitCode === null ? "was stopped" : `exited with status ${run.exitCode}`;
    super(
      LTFS_ERROR_CODES.commandFailed,
      `${formatCommandLine(run.command, run.args)} ${how}${quoteErrors(fields.messages)}`,
      "The LTFS messages say what failed. Check the drive (`tapeinfo -f <device>`) and the tape, then retry.",
      fields,
    );
    this.exitCode = run.exitCode;
  }
}

function describe(message: LtfsMessage): string {
  return `LTFS${message.id} ${message.text}`;
}

/** ": LTFS15009E Cannot open device …; LTFS12012E …" — the error messages worth quoting. */
function quoteErrors(messages: readonly LtfsMessage[] | undefined): string {
  const errors = (messages ?? []).filter(
    (m) => m.level === "E" && !ROUTINE_ERROR_IDS.includes(m.id),
  );
  return errors.length > 0 ? `: ${errors.slice(-4).map(describe).join("; ")}` : "";
}
