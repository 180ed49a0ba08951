/** A SCSI Request Sense, reduced to what mtx prints and what callers decide on. */
export interface SenseData {
  /** Sense key name as mtx prints it ("Illegal Request", "Not Ready", "0x09"…). */
  readonly senseKey: string;
  readonly asc: number;
  readonly ascq: number;
}

/** mtx's names for the sixteen sense keys, in key order (keys 9, A, C and F have none). */
export const SENSE_KEY_NAMES = [
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

/**
 * The sense key name for a key given as a name ("illegal request"), a number ("5", "0x05")
 * or null when it is neither.
 */
export function senseKeyName(key: string): string | null {
  const trimmed = key.trim();
  if (/^(0x)?[0-9a-f]{1,2}$/i.test(trimmed)) {
    return SENSE_KEY_NAMES[Number.parseInt(trimmed.replace(/^0x/i, ""), 16)] ?? null;
  }
  return SENSE_KEY_NAMES.find((name) => name.toLowerCase() === trimmed.toLowerCase()) ?? null;
}

/** The sense key a changer usually reports with this Additional Sense Code. */
export function usualSenseKeyFor(asc: number): string {
  switch (asc) {
    case 0x04:
    case 0x3a:
      return "Not Ready";
    case 0x28:
    case 0x29:
    case 0x30:
      return "Unit Attention";
    case 0x20:
    case 0x21:
    case 0x24:
    case 0x3b:
    case 0x53:
      return "Illegal Request";
    default:
      return "Hardware Error";
  }
}

function hex2(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, "0");
}

/**
 * mtx's Request Sense report (stderr), as a current error without residual or sense-key
 * specific data. The `mtx: ` prefix is fixed in mtx, whatever argv[0] is.
 */
export function formatRequestSense(sense: SenseData): string {
  return [
    "Long Report=yes",
    "Valid Residual=no",
    "Error Code=70 (Current)",
    `Sense Key=${sense.senseKey}`,
    "FileMark=no",
    "EOM=no",
    "ILI=no",
    `Additional Sense Code = ${hex2(sense.asc)}`,
    `Additional Sense Qualifier = ${hex2(sense.ascq)}`,
    "BPV=no",
    "Error in CDB=no",
    "SKSV=no",
  ]
    .map((line) => `mtx: Request Sense: ${line}\n`)
    .join("");
}
