import {
  MtxDestinationFullError,
  MtxDeviceBusyError,
  MtxDeviceOpenError,
  MtxDriveEmptyError,
  MtxDriveFullError,
  type MtxError,
  MtxInvalidArgumentError,
  MtxMediumRemovalPreventedError,
  MtxMoveFailedError,
  MtxNotReadyError,
  MtxSlotFullError,
  MtxSourceEmptyError,
  MtxStatusFailedError,
} from "./errors.ts";
import { describeMtxRequest, type MtxRequest } from "./mtx-request.ts";
import {
  describeRequestSense,
  parseRequestSense,
  type RequestSense,
  SENSE_KEY_NOT_READY,
} from "./request-sense.ts";

/** What an mtx run left behind: both streams (or one merged text) and its exit code. */
export interface MtxOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal?: string | null;
}

/** A progress line mtx printed: `Loading media from Storage Element 7 into drive 1...done`. */
export interface MtxMoveProgress {
  readonly kind: "load" | "unload";
  readonly slot: number;
  readonly drive: number;
  /** mtx printed `done` after it: the move finished. */
  readonly done: boolean;
}

export type MtxMoveOutcome =
  | { readonly ok: true; readonly moves: MtxMoveProgress[] }
  | { readonly ok: false; readonly error: MtxError; readonly moves: MtxMoveProgress[] };

// mtx writes these to stdout without a newline and flushes, then "done\n" after the move; an
// error goes to stderr, so under 2>&1 it continues the same line.
const PROGRESS =
  /^(?:Loading media from Storage Element (\d+) into drive (\d+)|Unloading drive (\d+) into Storage Element (\d+))\.\.\.(done)?/;
// FatalError() prefixes argv[0]: "mtx: ", "/usr/sbin/mtx: ", or none in hand-copied reports.
const PROGRAM_PREFIX = /^\S*mtx: /;
const REQUEST_SENSE = /^\S*mtx: Request Sense: /;
const MODE_SENSE_FAILED = /^Mode sense \(0x1A\) for Page 0x1D failed$/;

function splitProgress(line: string): { moves: MtxMoveProgress[]; rest: string } {
  const moves: MtxMoveProgress[] = [];
  let rest = line;
  for (let match = PROGRESS.exec(rest); match; match = PROGRESS.exec(rest)) {
    if (match[1] !== undefined) {
      moves.push({
        kind: "load",
        slot: Number(match[1]),
        drive: Number(match[2]),
        done: match[5] !== undefined,
      });
    } else {
      moves.push({
        kind: "unload",
        drive: Number(match[3]),
        slot: Number(match[4]),
        done: match[5] !== undefined,
      });
    }
    rest = rest.slice(match[0].length);
  }
  return { moves, rest };
}

interface ReadOutput {
  readonly moves: MtxMoveProgress[];
  /** The last line that is neither progress nor Request Sense, without the program prefix. */
  readonly message: string | null;
  readonly sense: RequestSense | null;
}

function readOutput(output: MtxOutput): ReadOutput {
  const moves: MtxMoveProgress[] = [];
  let message: string | null = null;
  const text = `${output.stdout}${output.stdout.endsWith("\n") || output.stdout === "" ? "" : "\n"}${output.stderr}`;
  for (const line of text.split(/\r?\n/)) {
    const { moves: found, rest } = splitProgress(line);
    moves.push(...found);
    const remainder = rest.trim();
    if (remainder === "" || REQUEST_SENSE.test(remainder) || MODE_SENSE_FAILED.test(remainder)) {
      continue;
    }
    message = remainder.replace(PROGRAM_PREFIX, "");
  }
  // Progress text and the Request Sense may share a line, so sense is read from the raw text.
  return { moves, message, sense: parseRequestSense(`${output.stdout}${output.stderr}`) };
}

function requestFromProgress(moves: readonly MtxMoveProgress[]): MtxRequest | null {
  const last = moves.at(-1);
  if (!last) return null;
  return last.kind === "load"
    ? { operation: "load", slot: last.slot, drive: last.drive }
    : { operation: "unload", drive: last.drive, slot: last.slot };
}

/**
 * The typed error for a failed mtx run (non-zero exit). mtx's own checks and the SCSI errors it
 * names come first (`Storage Element 3 is Already Full`, `Source Element Address 4102 is Empty`,
 * `cannot open SCSI device`...); then the Request Sense decides (ASC 53h: medium removal
 * prevented; Not Ready or ASC 04h: not ready); anything else is `MtxMoveFailedError` (or
 * `MtxStatusFailedError` for `status`) carrying the Request Sense.
 *
 * `request` is what was asked; without it the drive and slot come from mtx's progress line.
 *
 * @example mtxErrorFromOutput({ stdout: "Unloading drive 0 into Storage Element 6...", stderr, exitCode: 1 },
 *   { operation: "unload", drive: 0, slot: 6 }) // MtxMediumRemovalPreventedError
 */
export function mtxErrorFromOutput(output: MtxOutput, request?: MtxRequest | null): MtxError {
  const read = readOutput(output);
  const req = request ?? requestFromProgress(read.moves);
  const base = { request: req, sense: read.sense, mtxMessage: read.message };
  const message = read.message ?? "";

  const known = fromMtxMessage(message, base);
  if (known) return known;

  const sense = read.sense;
  if (sense && sense.asc === 0x53 && (sense.ascq === 0x02 || sense.ascq === 0x03)) {
    return new MtxMediumRemovalPreventedError({ ...base, sense });
  }
  if (sense && (sense.senseKey === SENSE_KEY_NOT_READY || sense.asc === 0x04)) {
    return new MtxNotReadyError({ ...base, sense });
  }
  if (sense && sense.asc === 0x3b && sense.ascq === 0x0e) {
    return new MtxSourceEmptyError({ ...base, elementAddress: null });
  }
  if (sense && sense.asc === 0x3b && sense.ascq === 0x0d) {
    return new MtxDestinationFullError({ ...base, elementAddress: null });
  }
  return genericError(output, req, read, base);
}

type BaseFields = {
  readonly request: MtxRequest | null;
  readonly sense: RequestSense | null;
  readonly mtxMessage: string | null;
};

function fromMtxMessage(message: string, base: BaseFields): MtxError | null {
  let match = /^Source Element Address (\d+) is Empty$/i.exec(message);
  if (match) return new MtxSourceEmptyError({ ...base, elementAddress: Number(match[1]) });

  match = /^Destination Element Address (\d+) is Already Full$/i.exec(message);
  if (match) return new MtxDestinationFullError({ ...base, elementAddress: Number(match[1]) });

  match = /^Drive (\d+) Full \(Storage Element (-?\d+) loaded\)$/i.exec(message);
  if (match) {
    const from = Number(match[2]);
    return new MtxDriveFullError({
      ...base,
      drive: Number(match[1]),
      // mtx prints 0 when it does not know the source (its -1 plus one).
      loadedFromSlot: from > 0 ? from : null,
    });
  }

  match = /^Storage Element (\d+) is Already Full$/i.exec(message);
  if (match) return new MtxSlotFullError({ ...base, slot: Number(match[1]) });

  match = /^Data Transfer Element (\d+) is Empty$/i.exec(message);
  if (match) return new MtxDriveEmptyError({ ...base, drive: Number(match[1]) });

  match = /^cannot open SCSI device '(.*)' - (.*)$/.exec(message);
  if (match) {
    const device = match[1] as string;
    const reason = match[2] as string;
    return /busy/i.test(reason)
      ? new MtxDeviceBusyError({ ...base, device })
      : new MtxDeviceOpenError({ ...base, device, reason });
  }

  match =
    /^(?:Invalid|illegal) <(storage-element-number|drive-number)> argument '(-?\d+)' to '(\w+)' command$/i.exec(
      message,
    );
  if (match) {
    const argument = match[1] === "drive-number" ? "drive" : "slot";
    const value = Number(match[2]);
    return new MtxInvalidArgumentError(
      `The library has no ${argument} ${value}: mtx rejected it for ${match[3]}${base.request ? ` (${describeMtxRequest(base.request)})` : ""}.`,
      { ...base, argument, value },
    );
  }

  if (
    /^(?:No source specified|No destination specified|Invalid source|Invalid destination|No Source for tape in drive \d+!|Do not know which slot to unload tape into!)$/i.test(
      message,
    )
  ) {
    return new MtxInvalidArgumentError(
      `mtx refused ${base.request ? describeMtxRequest(base.request) : "the move"}: ${message}`,
      { ...base, argument: null, value: null },
    );
  }

  if (/^Cleaning Cartridge Installed and Ejected$/i.test(message)) {
    return new MtxMoveFailedError(
      `The drive ejected a cleaning cartridge${base.request ? ` while ${describeMtxRequest(base.request)}` : ""}: a cleaning tape was loaded instead of a data tape.`,
      "Check which tape is in that slot (`pytarchive library`); cleaning tapes must not be loaded for archiving.",
      base,
    );
  }

  if (/^Drive needs offline before move$/i.test(message)) {
    return new MtxMoveFailedError(
      `The drive must eject its tape before the library can move it${base.request ? ` (${describeMtxRequest(base.request)})` : ""}.`,
      "Some loaders need the drive to eject the tape first (`mt -f <drive> offline`) once LTFS has unmounted it; then retry.",
      base,
    );
  }
  return null;
}

function genericError(
  output: MtxOutput,
  request: MtxRequest | null,
  read: ReadOutput,
  base: BaseFields,
): MtxError {
  const doing = request ? describeMtxRequest(request) : "moving a tape";
  const moveLine = /^MOVE MEDIUM from Element Address (\d+) to (\d+) Failed$/i.exec(
    read.message ?? "",
  );
  const isStatusLine = /^READ ELEMENT STATUS Command Failed$/i.test(read.message ?? "");
  let cause: string;
  if (read.sense) cause = describeRequestSense(read.sense);
  else if (moveLine) cause = "the library refused the move";
  else if (isStatusLine) cause = "the library did not answer READ ELEMENT STATUS";
  else if (read.message) cause = read.message;
  else if (output.exitCode === null) cause = `mtx was stopped by ${output.signal ?? "a signal"}`;
  else cause = `exit code ${output.exitCode} and no message`;
  let detail = "";
  if (moveLine) {
    detail = ` (MOVE MEDIUM from element address ${moveLine[1]} to ${moveLine[2]} failed)`;
  } else if (read.sense && read.message && !isStatusLine) {
    detail = `; mtx said: ${read.message}`;
  }
  const hint =
    "Look up the sense code (ASC/ASCQ) at https://www.t10.org/lists/asc-num.htm and check the library's front panel and log, then retry. Do not power cycle the library while a tape is in a drive.";
  if (request?.operation === "status") {
    return new MtxStatusFailedError(
      `mtx could not read the library status: ${cause}${detail}.`,
      hint,
      base,
    );
  }
  return new MtxMoveFailedError(`mtx failed while ${doing}: ${cause}${detail}.`, hint, {
    ...base,
    fromAddress: moveLine ? Number(moveLine[1]) : null,
    toAddress: moveLine ? Number(moveLine[2]) : null,
  });
}

/**
 * Reads the output of `mtx load`, `unload` or `transfer` (or any failed mtx run): exit code 0
 * is success with the moves mtx reported; anything else is the typed error of
 * `mtxErrorFromOutput`. Never throws.
 *
 * @example parseMtxMoveOutput({ stdout: "Loading media from Storage Element 1 into drive 0...done\n", stderr: "", exitCode: 0 })
 * // { ok: true, moves: [{ kind: "load", slot: 1, drive: 0, done: true }] }
 */
export function parseMtxMoveOutput(output: MtxOutput, request?: MtxRequest | null): MtxMoveOutcome {
  if (output.exitCode === 0) return { ok: true, moves: readOutput(output).moves };
  return { ok: false, error: mtxErrorFromOutput(output, request), moves: readOutput(output).moves };
}

/**
 * Like `parseMtxMoveOutput`, but throws the typed error when the move failed.
 *
 * @example parseMtxMoveOutputOrThrow(result, { operation: "load", slot: 7, drive: 1 })
 */
export function parseMtxMoveOutputOrThrow(
  output: MtxOutput,
  request?: MtxRequest | null,
): MtxMoveProgress[] {
  const outcome = parseMtxMoveOutput(output, request);
  if (!outcome.ok) throw outcome.error;
  return outcome.moves;
}
