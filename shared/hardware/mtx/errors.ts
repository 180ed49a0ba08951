import { PytarchiveError } from "../../errors/index.ts";
import { describeMtxRequest, type MtxOperation, type MtxRequest } from "./mtx-request.ts";
import { describeRequestSense, formatSenseByte, type RequestSense } from "./request-sense.ts";

/** Stable codes of every mtx failure, so scripts and tests can match on them. */
export const MTX_ERROR_CODES = {
  statusUnparseable: "MTX_STATUS_UNPARSEABLE",
  statusIncomplete: "MTX_STATUS_INCOMPLETE",
  statusFailed: "MTX_STATUS_FAILED",
  sourceEmpty: "MTX_SOURCE_EMPTY",
  destinationFull: "MTX_DESTINATION_FULL",
  driveAlreadyFull: "MTX_DRIVE_ALREADY_FULL",
  slotAlreadyFull: "MTX_SLOT_ALREADY_FULL",
  driveEmpty: "MTX_DRIVE_EMPTY",
  mediumRemovalPrevented: "MTX_MEDIUM_REMOVAL_PREVENTED",
  notReady: "MTX_NOT_READY",
  deviceBusy: "MTX_DEVICE_BUSY",
  deviceOpenFailed: "MTX_DEVICE_OPEN_FAILED",
  invalidArgument: "MTX_INVALID_ARGUMENT",
  moveFailed: "MTX_MOVE_FAILED",
} as const;

export type MtxErrorCode = (typeof MTX_ERROR_CODES)[keyof typeof MTX_ERROR_CODES];

const SEE_LIBRARY = "Run `pytarchive library` to see where every tape is now";

/** What an mtx failure is about; drive and slots default to the request's. */
export interface MtxErrorFields {
  readonly request?: MtxRequest | null;
  readonly drive?: number | null;
  readonly slot?: number | null;
  readonly toSlot?: number | null;
  readonly sense?: RequestSense | null;
  /** mtx's final message line without its `mtx: ` prefix, e.g. "Storage Element 3 is Already Full". */
  readonly mtxMessage?: string | null;
  readonly cause?: unknown;
}

/**
 * A failed mtx command, with the drive and slots involved and the Request Sense mtx printed.
 * Subclasses name the known cases; `MtxMoveFailedError` and `MtxStatusFailedError` hold the rest.
 */
export class MtxError extends PytarchiveError {
  readonly request: MtxRequest | null;
  readonly operation: MtxOperation | null;
  /** The drive (Data Transfer Element, 0-based) involved, when known. */
  readonly drive: number | null;
  /** The storage slot (1-based) the tape comes from (load, transfer) or goes to (unload). */
  readonly slot: number | null;
  /** Destination slot of a transfer. */
  readonly toSlot: number | null;
  readonly sense: RequestSense | null;
  readonly mtxMessage: string | null;

  constructor(code: MtxErrorCode, message: string, hint: string, fields: MtxErrorFields) {
    super(code, message, { hint, cause: fields.cause });
    this.name = new.target.name;
    const request = fields.request ?? null;
    this.request = request;
    this.operation = request?.operation ?? null;
    this.drive = fields.drive ?? requestDrive(request);
    this.slot = fields.slot ?? requestSlot(request);
    this.toSlot = fields.toSlot ?? (request?.operation === "transfer" ? request.toSlot : null);
    this.sense = fields.sense ?? null;
    this.mtxMessage = fields.mtxMessage ?? null;
  }

  get senseKey(): number | null {
    return this.sense?.senseKey ?? null;
  }

  get asc(): number | null {
    return this.sense?.asc ?? null;
  }

  get ascq(): number | null {
    return this.sense?.ascq ?? null;
  }

  /** The drive refused to let the tape go (ASC 53h): LTFS most likely still holds it. */
  isMediumRemovalPrevented(): boolean {
    return this.code === MTX_ERROR_CODES.mediumRemovalPrevented;
  }

  isNotReady(): boolean {
    return this.code === MTX_ERROR_CODES.notReady;
  }

  isDeviceBusy(): boolean {
    return this.code === MTX_ERROR_CODES.deviceBusy;
  }
}

function requestDrive(request: MtxRequest | null): number | null {
  return request?.operation === "load" || request?.operation === "unload" ? request.drive : null;
}

function requestSlot(request: MtxRequest | null): number | null {
  if (request?.operation === "load" || request?.operation === "unload") return request.slot;
  return request?.operation === "transfer" ? request.fromSlot : null;
}

function whileDoing(request: MtxRequest | null | undefined): string {
  return request ? ` while ${describeMtxRequest(request)}` : "";
}

function senseSuffix(sense: RequestSense | null | undefined): string {
  return sense ? ` (${describeRequestSense(sense)})` : "";
}

/** The library found no tape where the move should start (ASC 3Bh, ASCQ 0Eh). */
export class MtxSourceEmptyError extends MtxError {
  /** The SCSI element address mtx names (not a slot number). */
  readonly elementAddress: number | null;

  constructor(fields: MtxErrorFields & { readonly elementAddress: number | null }) {
    const request = fields.request;
    const where =
      fields.elementAddress === null ? "" : ` (element address ${fields.elementAddress})`;
    let message: string;
    if (request?.operation === "load") {
      message = `Slot ${request.slot} is empty: there is no tape to load into drive ${request.drive}${where}.`;
    } else if (request?.operation === "unload") {
      message = `Drive ${request.drive} is empty: there is no tape to unload into slot ${request.slot}${where}.`;
    } else if (request?.operation === "transfer") {
      message = `Slot ${request.fromSlot} is empty: there is no tape to move to slot ${request.toSlot}${where}.`;
    } else {
      message = `The library found no tape at the source of the move${where}.`;
    }
    super(
      MTX_ERROR_CODES.sourceEmpty,
      message,
      `The tape is not where pytarchive expected it. ${SEE_LIBRARY}, then retry.`,
      fields,
    );
    this.elementAddress = fields.elementAddress;
  }
}

/** The library found a tape already at the destination (ASC 3Bh, ASCQ 0Dh). */
export class MtxDestinationFullError extends MtxError {
  readonly elementAddress: number | null;

  constructor(fields: MtxErrorFields & { readonly elementAddress: number | null }) {
    const request = fields.request;
    const where =
      fields.elementAddress === null ? "" : ` (element address ${fields.elementAddress})`;
    let message: string;
    if (request?.operation === "unload") {
      message = `Slot ${request.slot} is already full: drive ${request.drive} cannot unload into it${where}.`;
    } else if (request?.operation === "load") {
      message = `Drive ${request.drive} already holds a tape: slot ${request.slot} cannot be loaded into it${where}.`;
    } else if (request?.operation === "transfer") {
      message = `Slot ${request.toSlot} is already full: the tape in slot ${request.fromSlot} cannot be moved there${where}.`;
    } else {
      message = `The library found a tape already at the destination of the move${where}.`;
    }
    super(
      MTX_ERROR_CODES.destinationFull,
      message,
      `A tape was moved since mtx last read the library (by an operator or another program). ${SEE_LIBRARY}, and choose an empty slot or drive.`,
      fields,
    );
    this.elementAddress = fields.elementAddress;
  }
}

/** mtx's own check before a load: `Drive 0 Full (Storage Element 5 loaded)`. */
export class MtxDriveFullError extends MtxError {
  /** The slot the tape in the drive came from, as mtx reports it. */
  readonly loadedFromSlot: number | null;

  constructor(
    fields: MtxErrorFields & { readonly drive: number; readonly loadedFromSlot: number | null },
  ) {
    const from =
      fields.loadedFromSlot === null ? "" : ` (loaded from slot ${fields.loadedFromSlot})`;
    const wanted =
      fields.request?.operation === "load"
        ? ` before slot ${fields.request.slot} can be loaded`
        : " first";
    super(
      MTX_ERROR_CODES.driveAlreadyFull,
      `Drive ${fields.drive} already holds a tape${from}; it must be unloaded${wanted}.`,
      `Unload drive ${fields.drive} first (its tape must not be mounted), or load into an empty drive. ${SEE_LIBRARY}.`,
      fields,
    );
    this.loadedFromSlot = fields.loadedFromSlot;
  }
}

/** mtx's own check before an unload: `Storage Element 3 is Already Full`. */
export class MtxSlotFullError extends MtxError {
  constructor(fields: MtxErrorFields & { readonly slot: number }) {
    const drive = fields.drive ?? requestDrive(fields.request ?? null);
    const into = drive === null ? "" : `: drive ${drive} cannot unload into it`;
    super(
      MTX_ERROR_CODES.slotAlreadyFull,
      `Slot ${fields.slot} is already full${into}.`,
      `Unload into an empty slot. ${SEE_LIBRARY}.`,
      fields,
    );
  }
}

/** mtx's own check before an unload: `Data Transfer Element 1 is Empty`. */
export class MtxDriveEmptyError extends MtxError {
  constructor(fields: MtxErrorFields & { readonly drive: number }) {
    super(
      MTX_ERROR_CODES.driveEmpty,
      `Drive ${fields.drive} is empty: there is no tape to unload.`,
      `The tape may already be back in a slot. ${SEE_LIBRARY}.`,
      fields,
    );
  }
}

/**
 * The drive refuses to give up its tape (ASC 53h, ASCQ 02h or 03h): LTFS still has it mounted,
 * or was stopped while it was mounted.
 */
export class MtxMediumRemovalPreventedError extends MtxError {
  constructor(fields: MtxErrorFields & { readonly sense: RequestSense }) {
    const request = fields.request ?? null;
    const drive = fields.drive ?? requestDrive(request);
    const subject = drive === null ? "The drive" : `Drive ${drive}`;
    const where =
      request?.operation === "unload" ? ` into slot ${request.slot}` : whileDoing(request);
    super(
      MTX_ERROR_CODES.mediumRemovalPrevented,
      `${subject} would not release its tape${where}: medium removal prevented (ASC ${formatSenseByte(fields.sense.asc)}, ASCQ ${formatSenseByte(fields.sense.ascq)}). LTFS probably still has the tape mounted, or was stopped while it was mounted.`,
      "Mount the tape with LTFS and unmount it again (that releases the drive's lock), then retry. DO NOT POWER CYCLE THE LIBRARY OR YOU MIGHT LOSE DATA.",
      fields,
    );
  }
}

/** The library or drive is not ready (sense key Not Ready, or ASC 04h "logical unit not ready"). */
export class MtxNotReadyError extends MtxError {
  constructor(fields: MtxErrorFields & { readonly sense: RequestSense }) {
    super(
      MTX_ERROR_CODES.notReady,
      `The tape library was not ready${whileDoing(fields.request)}${senseSuffix(fields.sense)}.`,
      "Check the library's front panel: it may be offline, busy with an inventory, in sequential instead of random mode, or waiting for an operator. Bring it online in random mode, then retry.",
      fields,
    );
  }
}

/** `cannot open SCSI device '/dev/sg3' - Device or resource busy`: someone else holds the changer. */
export class MtxDeviceBusyError extends MtxError {
  readonly device: string;

  constructor(fields: MtxErrorFields & { readonly device: string }) {
    super(
      MTX_ERROR_CODES.deviceBusy,
      `The changer device ${fields.device} is busy: another process has it open.`,
      `Another mtx, a backup program or a second pytarchive changer service is using it (\`fuser -v ${fields.device}\` shows which). Retry when it is free.`,
      fields,
    );
    this.device = fields.device;
  }
}

/** `cannot open SCSI device '<dev>' - <reason>` for any reason but "busy". */
export class MtxDeviceOpenError extends MtxError {
  readonly device: string;
  readonly reason: string;

  constructor(fields: MtxErrorFields & { readonly device: string; readonly reason: string }) {
    super(
      MTX_ERROR_CODES.deviceOpenFailed,
      `Cannot open the changer device ${fields.device}: ${fields.reason}.`,
      "Check that [Device] library in pytarchive.conf names the changer's SCSI generic device (`lsscsi -g` lists it) and that this user may open it.",
      fields,
    );
    this.device = fields.device;
    this.reason = fields.reason;
  }
}

/** A slot or drive number mtx (or pytarchive, before calling it) rejects. */
export class MtxInvalidArgumentError extends MtxError {
  /** "slot", "drive", "source", "destination" — which argument was wrong, when known. */
  readonly argument: string | null;
  readonly value: number | null;

  constructor(
    message: string,
    fields: MtxErrorFields & { readonly argument: string | null; readonly value: number | null },
  ) {
    super(
      MTX_ERROR_CODES.invalidArgument,
      message,
      "Slots are numbered from 1 and drives from 0, as `pytarchive library` lists them; use a slot and drive this library has.",
      fields,
    );
    this.argument = fields.argument;
    this.value = fields.value;
  }
}

/** Any other failed load, unload or transfer, with the Request Sense when mtx printed one. */
export class MtxMoveFailedError extends MtxError {
  /** SCSI element addresses from `MOVE MEDIUM from Element Address %d to %d Failed`. */
  readonly fromAddress: number | null;
  readonly toAddress: number | null;

  constructor(
    message: string,
    hint: string,
    fields: MtxErrorFields & {
      readonly fromAddress?: number | null;
      readonly toAddress?: number | null;
    },
  ) {
    super(MTX_ERROR_CODES.moveFailed, message, hint, fields);
    this.fromAddress = fields.fromAddress ?? null;
    this.toAddress = fields.toAddress ?? null;
  }
}

/** `mtx status` failed (e.g. `READ ELEMENT STATUS Command Failed`) for a reason not named above. */
export class MtxStatusFailedError extends MtxError {
  constructor(message: string, hint: string, fields: MtxErrorFields) {
    super(MTX_ERROR_CODES.statusFailed, message, hint, fields);
  }
}

/** A line of `mtx status` output the parser does not understand. */
export class MtxParseError extends PytarchiveError {
  /** 1-based line number in the text given to the parser. */
  readonly lineNumber: number;
  readonly line: string;

  constructor(lineNumber: number, line: string, reason: string) {
    const shown = line.length > 160 ? `${line.slice(0, 160)}…` : line;
    super(
      MTX_ERROR_CODES.statusUnparseable,
      `Line ${lineNumber} of the mtx status output is not understood (${reason}): ${JSON.stringify(shown)}`,
      {
        hint: "pytarchive reads the output of `mtx -f <changer> status` from mtx 1.3. Check that the changer device is a medium changer and that this is the mtx on PATH; other mtx forks print formats it does not know.",
      },
    );
    this.name = "MtxParseError";
    this.lineNumber = lineNumber;
    this.line = line;
  }
}

/** The status lists fewer (or more) drives or slots than its header announces. */
export class MtxStatusIncompleteError extends PytarchiveError {
  readonly expected: { drives: number; slots: number; importExport: number };
  readonly found: { drives: number; slots: number; importExport: number };

  constructor(
    expected: { drives: number; slots: number; importExport: number },
    found: { drives: number; slots: number; importExport: number },
  ) {
    super(
      MTX_ERROR_CODES.statusIncomplete,
      `The mtx status header announces ${expected.drives} drives, ${expected.slots} slots and ${expected.importExport} import/export slots, but the output lists ${found.drives} drives, ${found.slots} slots and ${found.importExport} import/export slots.`,
      {
        hint: "The output was cut short or mixed with other text. Run `mtx -f <changer> status` again; if it keeps happening, compare its output with the library's own inventory.",
      },
    );
    this.name = "MtxStatusIncompleteError";
    this.expected = expected;
    this.found = found;
  }
}
