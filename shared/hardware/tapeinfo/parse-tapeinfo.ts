import { TapeinfoUnparseableError } from "./errors.ts";

/** What `tapeinfo -f <device>` (from mtx) reports about a drive and the tape in it. */
export interface TapeinfoReport {
  /** "Tape Drive", "Medium Changer" … */
  readonly productType: string | null;
  /** Vendor, product and revision with the SCSI padding removed: "IBM", "ULTRIUM-HH8", "MA21". */
  readonly vendor: string | null;
  readonly product: string | null;
  readonly revision: string | null;
  /** The drive's serial number (the original's `drive_serial`), or null when not reported. */
  readonly serial: string | null;
  readonly attachedChanger: boolean | null;
  /** TEST UNIT READY: true with a tape loaded and ready; null when not reported. */
  readonly ready: boolean | null;
  /** Active TapeAlert flags as printed, e.g. "Clean Now: The tape drive neads cleaning NOW". */
  readonly tapeAlerts: readonly string[];
  /** Their TapeAlert numbers, e.g. 20 (Clean Now), 21 (Clean Periodic). */
  readonly tapeAlertFlags: readonly number[];
  /** Reported only when ready; null otherwise. */
  readonly writeProtected: boolean | null;
  /** SCSI medium type ("0x88"), or null when none is loaded or not reported. */
  readonly mediumType: string | null;
  readonly densityCode: string | null;
  readonly blockPosition: number | null;
  /** Every `Key: value` line as printed (quotes kept), the last one winning. */
  readonly fields: Readonly<Record<string, string>>;
  /** Lines that are not `Key: value`; kept so that nothing is silently lost. */
  readonly unparsedLines: readonly string[];
}

const FIELD_LINE = /^([^:]+):(.*)$/;
const TAPE_ALERT_KEY = /^TapeAlert\[(\d+)\]$/;

/**
 * Parses tapeinfo's output (mtx's tapeinfo.c: inquiry, serial number, TapeAlert flags, block
 * limits, then the mode pages when the unit is ready).
 *
 * @example
 * parseTapeinfo("Product Type: Tape Drive\nVendor ID: 'IBM     '\nSerialNumber: '10WT087648'\nReady: yes\n")
 * // { productType: "Tape Drive", vendor: "IBM", serial: "10WT087648", ready: true, … }
 */
export function parseTapeinfo(text: string): TapeinfoReport {
  const fields: Record<string, string> = {};
  const tapeAlerts: string[] = [];
  const tapeAlertFlags: number[] = [];
  const unparsedLines: string[] = [];

  const pending = text.split("\n").reverse();
  while (pending.length > 0) {
    const line = (pending.pop() ?? "").replace(/\r$/, "");
    if (line.trim() === "") continue;
    const match = FIELD_LINE.exec(line);
    if (!match) {
      unparsedLines.push(line);
      continue;
    }
    const key = (match[1] ?? "").trim();
    let value = (match[2] ?? "").trim();
    // tapeinfo prints "Block Position: -1" without a newline, gluing the next field onto it.
    const glued = key === "Block Position" ? /^(-?\d+)(\D.*)$/.exec(value) : null;
    if (glued) {
      value = glued[1] ?? value;
      pending.push(glued[2] ?? "");
    }
    const alert = TAPE_ALERT_KEY.exec(key);
    if (alert) {
      tapeAlertFlags.push(Number(alert[1]));
      tapeAlerts.push(value.replace(/\.$/, ""));
      continue;
    }
    fields[key] = value;
  }

  if (fields["Product Type"] === undefined && fields["Vendor ID"] === undefined) {
    throw new TapeinfoUnparseableError(text);
  }
  const ready = yesNo(fields.Ready);
  const mediumType = fields["Medium Type"];
  const blockPosition = fields["Block Position"];
  return {
    productType: fields["Product Type"] ?? null,
    vendor: unquote(fields["Vendor ID"]),
    product: unquote(fields["Product ID"]),
    revision: unquote(fields.Revision),
    serial: unquote(fields.SerialNumber),
    attachedChanger: yesNo(fields["Attached Changer API"] ?? fields["Attached Changer"]),
    ready,
    tapeAlerts,
    tapeAlertFlags,
    writeProtected: ready ? fields.WriteProtect === "yes" : null,
    mediumType: mediumType === undefined || mediumType === "Not Loaded" ? null : mediumType,
    densityCode: fields["Density Code"] ?? null,
    blockPosition: blockPosition === undefined ? null : Number(blockPosition),
    fields,
    unparsedLines,
  };
}

/** 'IBM     ' → "IBM"; an empty value → null. */
function unquote(value: string | undefined): string | null {
  if (value === undefined) return null;
  const inner = /^'(.*)'$/.exec(value)?.[1] ?? value;
  const trimmed = inner.trim();
  return trimmed === "" ? null : trimmed;
}

function yesNo(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  const normalized = value.toLowerCase();
  if (normalized === "yes") return true;
  if (normalized === "no") return false;
  return null;
}
