import { PytarchiveError } from "../../errors/index.ts";

/** Stable codes of every tapeinfo failure. */
export const TAPEINFO_ERROR_CODES = {
  deviceBusy: "TAPEINFO_DEVICE_BUSY",
  deviceOpenFailed: "TAPEINFO_DEVICE_OPEN_FAILED",
  failed: "TAPEINFO_FAILED",
  unparseable: "TAPEINFO_UNPARSEABLE",
} as const;

export type TapeinfoErrorCode = (typeof TAPEINFO_ERROR_CODES)[keyof typeof TAPEINFO_ERROR_CODES];

/** A tapeinfo failure, with the device asked about. */
export class TapeinfoError extends PytarchiveError {
  readonly device: string | null;

  constructor(
    code: TapeinfoErrorCode,
    message: string,
    hint: string,
    device: string | null,
    cause?: unknown,
  ) {
    super(code, message, { hint, cause });
    this.name = new.target.name;
    this.device = device;
  }
}

/** The drive's SCSI device is held by another process (EBUSY), typically LTFS while mounted. */
export class TapeDeviceBusyError extends TapeinfoError {
  constructor(device: string) {
    super(
      TAPEINFO_ERROR_CODES.deviceBusy,
      `The tape drive ${device} is busy: another process holds it open (tapeinfo: Device or resource busy)`,
      `While a tape is mounted, LTFS holds the drive exclusively; ask again after it is unmounted. \`fuser -v ${device}\` shows who holds it.`,
      device,
    );
  }
}

/** tapeinfo could not open the device for another reason (missing node, permissions). */
export class TapeDeviceOpenError extends TapeinfoError {
  readonly reason: string;

  constructor(device: string, reason: string) {
    super(
      TAPEINFO_ERROR_CODES.deviceOpenFailed,
      `tapeinfo could not open the tape drive ${device}: ${reason}`,
      "Check the drive's device name in pytarchive.conf (a /dev/sg node; `lsscsi -g` lists them) and that pytarchive may open it.",
      device,
    );
    this.reason = reason;
  }
}

/** tapeinfo ran and failed (e.g. "INQUIRY Command Failed"). */
export class TapeinfoFailedError extends TapeinfoError {
  constructor(device: string, exitCode: number | null, lines: readonly string[]) {
    super(
      TAPEINFO_ERROR_CODES.failed,
      `tapeinfo -f ${device} ${exitCode === null ? "was stopped" : `exited with status ${exitCode}`}${lines.length > 0 ? `: ${lines.slice(-6).join("; ")}` : ""}`,
      "Check that the device is a tape drive and that it is powered on and connected; then retry.",
      device,
    );
  }
}

/** The output did not look like tapeinfo's at all. */
export class TapeinfoUnparseableError extends TapeinfoError {
  constructor(text: string) {
    super(
      TAPEINFO_ERROR_CODES.unparseable,
      `tapeinfo printed nothing recognisable: ${JSON.stringify(text.slice(0, 200))}`,
      "Check that the configured tapeinfo is the one from the mtx package.",
      null,
    );
  }
}
