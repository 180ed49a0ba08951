/**
 * The Request Sense dump mtx prints to stderr when a SCSI command fails:
 *
 *   mtx: Request Sense: Long Report=yes
 *   mtx: Request Sense: Error Code=70 (Current)
 *   mtx: Request Sense: Sense Key=Illegal Request
 *   mtx: Request Sense: Additional Sense Code = 53
 *   mtx: Request Sense: Additional Sense Qualifier = 03
 *
 * mtx 1.3 prints the long form; older builds (the mtx FAQ) print only Error Code, Sense Key,
 * ASC and ASCQ. Both are read here. The `mtx: ` prefix is hard-coded in mtx, whatever argv[0] is.
 */
export interface RequestSense {
  /** Sense key 0-15 (2 Not Ready, 4 Hardware Error, 5 Illegal Request, 6 Unit Attention...). */
  readonly senseKey: number | null;
  /** The sense key as mtx names it ("Illegal Request", or "0x09" for unnamed keys). */
  readonly senseKeyName: string | null;
  /** Additional Sense Code (ASC), e.g. 0x53. */
  readonly asc: number | null;
  /** Additional Sense Code Qualifier (ASCQ), e.g. 0x03. */
  readonly ascq: number | null;
  /** Response code: 0x70 current, 0x71 deferred. */
  readonly errorCode: number | null;
  readonly errorType: "current" | "deferred" | "unknown" | null;
  readonly validResidual: boolean | null;
  /** The four information bytes, printed only when Valid Residual=yes. */
  readonly residual: readonly number[] | null;
  readonly fileMark: boolean | null;
  readonly endOfMedium: boolean | null;
  readonly incorrectLength: boolean | null;
  /** Sense-key-specific data: "Field in Error" bit pointer and "Field Pointer" bytes. */
  readonly fieldInError: number | null;
  readonly fieldPointer: readonly number[] | null;
  readonly bitPointerValid: boolean | null;
  readonly errorInCdb: boolean | null;
  readonly senseKeySpecificValid: boolean | null;
}

/** mtx's names for sense keys 0-15 (mtxl.c `sense_keys[]`); unnamed ones print as `0x09`. */
const SENSE_KEY_NAMES = [
  "No Sense",
  "Recovered Error",
  "Not Ready",
  "Medium Error",
  "Hardware Error",
  "Illegal Request",
  "Unit Attention",
  "Data Protect",
  "Blank Check",
  "0x09",
  "0x0a",
  "Aborted Command",
  "0x0c",
  "Volume Overflow",
  "Miscompare",
  "0x0f",
] as const;

export const SENSE_KEY_NOT_READY = 2;
export const SENSE_KEY_HARDWARE_ERROR = 4;
export const SENSE_KEY_ILLEGAL_REQUEST = 5;
export const SENSE_KEY_UNIT_ATTENTION = 6;

const REQUEST_SENSE_PREFIX = "mtx: Request Sense: ";

type MutableRequestSense = { -readonly [K in keyof RequestSense]: RequestSense[K] };

type FieldReader = (value: string) => boolean;

const YES_NO = /^(yes|no)$/;
const HEX_BYTE = /^[0-9A-Fa-f]{1,2}$/;
const HEX_BYTES = /^[0-9A-Fa-f]{2}( [0-9A-Fa-f]{2})*$/;

function yesNo(value: string): boolean | undefined {
  return YES_NO.test(value) ? value === "yes" : undefined;
}

function bool(set: (v: boolean) => void): FieldReader {
  return (value) => {
    const parsed = yesNo(value);
    if (parsed === undefined) return false;
    set(parsed);
    return true;
  };
}

function hexByte(set: (v: number) => void): FieldReader {
  return (value) => {
    if (!HEX_BYTE.test(value)) return false;
    set(Number.parseInt(value, 16));
    return true;
  };
}

function hexBytes(set: (v: number[]) => void): FieldReader {
  return (value) => {
    if (!HEX_BYTES.test(value)) return false;
    set(value.split(" ").map((byte) => Number.parseInt(byte, 16)));
    return true;
  };
}

/**
 * Every field mtx's PrintRequestSense() writes, keyed by the text before `=` (trimmed, since
 * some fields are printed as `Name = value` and others as `Name=value`).
 */
const FIELDS: Record<string, (sense: MutableRequestSense) => FieldReader> = {
  "Long Report": () => (value) => yesNo(value) !== undefined,
  "Valid Residual": (s) => bool((v) => (s.validResidual = v)),
  "Error Code": (s) => (value) => {
    const match = /^([0-9A-Fa-f]{1,2}) \((Current|Deferred|Unknown\?!)\)$/.exec(value);
    if (!match) return false;
    s.errorCode = Number.parseInt(match[1] as string, 16);
    s.errorType =
      match[2] === "Current" ? "current" : match[2] === "Deferred" ? "deferred" : "unknown";
    return true;
  },
  "Sense Key": (s) => (value) => {
    const index = SENSE_KEY_NAMES.findIndex((name) => name.toLowerCase() === value.toLowerCase());
    if (index < 0) return false;
    s.senseKey = index;
    s.senseKeyName = SENSE_KEY_NAMES[index] as string;
    return true;
  },
  FileMark: (s) => bool((v) => (s.fileMark = v)),
  EOM: (s) => bool((v) => (s.endOfMedium = v)),
  ILI: (s) => bool((v) => (s.incorrectLength = v)),
  Residual: (s) => hexBytes((v) => (s.residual = v)),
  "Additional Sense Code": (s) => hexByte((v) => (s.asc = v)),
  "Additional Sense Qualifier": (s) => hexByte((v) => (s.ascq = v)),
  "Field in Error": (s) => hexByte((v) => (s.fieldInError = v)),
  BPV: (s) => bool((v) => (s.bitPointerValid = v)),
  "Error in CDB": (s) => bool((v) => (s.errorInCdb = v)),
  SKSV: (s) => bool((v) => (s.senseKeySpecificValid = v)),
  "Field Pointer": (s) => hexBytes((v) => (s.fieldPointer = v)),
};

function emptySense(): MutableRequestSense {
  return {
    senseKey: null,
    senseKeyName: null,
    asc: null,
    ascq: null,
    errorCode: null,
    errorType: null,
    validResidual: null,
    residual: null,
    fileMark: null,
    endOfMedium: null,
    incorrectLength: null,
    fieldInError: null,
    fieldPointer: null,
    bitPointerValid: null,
    errorInCdb: null,
    senseKeySpecificValid: null,
  };
}

/** Splits `mtx: Request Sense: Name = value` into its field name and value, or null. */
function splitRequestSenseLine(line: string): { name: string; value: string } | null {
  const start = line.indexOf(REQUEST_SENSE_PREFIX);
  if (start < 0) return null;
  const body = line.slice(start + REQUEST_SENSE_PREFIX.length).trimEnd();
  const equals = body.indexOf("=");
  if (equals < 0) return null;
  const name = body.slice(0, equals).trim();
  if (!(name in FIELDS)) return null;
  return { name, value: body.slice(equals + 1).trim() };
}

/**
 * True when the line is one mtx's PrintRequestSense() writes, with a field name and a value
 * of the form mtx prints. The line must start with the prefix (no progress text before it).
 *
 * @example isRequestSenseLine("mtx: Request Sense: Sense Key=Not Ready") // true
 */
export function isRequestSenseLine(line: string): boolean {
  if (!line.startsWith(REQUEST_SENSE_PREFIX)) return false;
  const field = splitRequestSenseLine(line);
  if (!field) return false;
  const reader = FIELDS[field.name];
  return reader?.(emptySense())(field.value) === true;
}

/**
 * Every Request Sense block in mtx's output, in order. A block starts at `Long Report=` or when
 * a field repeats (the short, older format has no `Long Report` line). Lines that are not
 * Request Sense lines are ignored, so stdout and stderr may be passed together; a line may
 * carry progress text before the `mtx: Request Sense:` prefix (stdout and stderr share a line
 * under `2>&1`).
 *
 * @example parseRequestSenseBlocks(stderr).at(-1)?.asc // 0x53
 */
export function parseRequestSenseBlocks(text: string): RequestSense[] {
  const blocks: RequestSense[] = [];
  let current: MutableRequestSense | null = null;
  let seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const field = splitRequestSenseLine(line);
    if (!field) continue;
    if (current === null || field.name === "Long Report" || seen.has(field.name)) {
      current = emptySense();
      seen = new Set();
      blocks.push(current);
    }
    seen.add(field.name);
    const reader = FIELDS[field.name];
    if (reader) reader(current)(field.value);
  }
  return blocks;
}

/**
 * The last Request Sense block in mtx's output (the one that explains the final failure), or
 * null when there is none.
 *
 * @example parseRequestSense(stderr) // { senseKey: 5, asc: 0x53, ascq: 0x03, errorCode: 0x70, ... }
 */
export function parseRequestSense(text: string): RequestSense | null {
  return parseRequestSenseBlocks(text).at(-1) ?? null;
}

/** `53h` — ASC/ASCQ the way the SCSI tables (t10.org) list them. */
export function formatSenseByte(value: number | null): string {
  return value === null ? "?" : `${value.toString(16).toUpperCase().padStart(2, "0")}h`;
}

/** "Illegal Request, ASC 53h, ASCQ 03h" for messages. */
export function describeRequestSense(sense: RequestSense): string {
  const key = sense.senseKeyName ?? "sense key unknown";
  return `${key}, ASC ${formatSenseByte(sense.asc)}, ASCQ ${formatSenseByte(sense.ascq)}`;
}
