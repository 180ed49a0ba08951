import { MtxParseError, MtxStatusIncompleteError } from "./errors.ts";
import type { DriveStatus, LibraryStatus, SlotStatus } from "./library-status.ts";
import { isRequestSenseLine } from "./request-sense.ts";

export interface ParseMtxStatusOptions {
  /**
   * Accept a listing with fewer drives or slots than the header announces (a capture cut
   * short on purpose, e.g. the first page of a 1840-slot library) and mark the result
   * `truncated: true`. Off by default: from a live `mtx status`, a short listing means the
   * output was damaged, and acting on it could put a tape into a slot that is not empty.
   * More lines than announced is an error either way.
   */
  readonly allowTruncated?: boolean;
}

/** One line of `mtx status` output, classified. */
export type MtxStatusLine =
  | {
      readonly kind: "header";
      readonly device: string;
      readonly driveCount: number;
      readonly slotCount: number;
      readonly importExportCount: number;
    }
  | { readonly kind: "drive"; readonly drive: DriveStatus }
  | { readonly kind: "slot"; readonly slot: SlotStatus };

// "  Storage Changer <dev>:<n> Drives, <m> Slots ( <k> Import/Export )". The device is greedy so
// the split happens on the last ':' before the drive count (device paths may contain ':').
const HEADER = /^Storage Changer (.+):(\d+) Drives, (\d+) Slots \( (\d+) Import\/Export \)$/;
// "Data Transfer Element 0:Full (Storage Element 24 Loaded):VolumeTag = AAK787L9"
const DRIVE =
  /^Data Transfer Element (\d+):(?:(Empty)|Full \((?:Storage Element (\d+)|Unknown Storage Element) Loaded\))(.*)$/;
// "Storage Element 24 IMPORT/EXPORT:Full :VolumeTag=HER003L9" ("Full " carries a trailing space)
const SLOT = /^Storage Element (\d+)( IMPORT\/EXPORT)?:(Full|Empty) ?(.*)$/;
// Tags: drives print "VolumeTag = X", slots "VolumeTag=X"; both spellings are accepted.
const TAGS = /^(?::VolumeTag ?= ?(.*?))?(?::AlternateVolumeTag ?= ?(.*))?$/;

// mtx prints this after a Request Sense when the element address page cannot be read; the
// status that follows is still good (seen with a Unit Attention after a power-on).
const MODE_SENSE_FAILED = "Mode sense (0x1A) for Page 0x1D failed";

function barcodeOf(tag: string | undefined): string | null {
  const trimmed = tag?.trim() ?? "";
  return trimmed === "" ? null : trimmed;
}

function parseTags(
  tail: string,
): { barcode: string | null; alternate: string | null | undefined } | null {
  const match = TAGS.exec(tail);
  if (!match) return null;
  return {
    barcode: barcodeOf(match[1]),
    alternate: match[2] === undefined ? undefined : barcodeOf(match[2]),
  };
}

/**
 * Classifies one line of `mtx status` output; null when it is none of header, drive or slot.
 * Surrounding whitespace (indentation, tag padding) is ignored.
 *
 * @example parseMtxStatusLine("Data Transfer Element 3:Full (Unknown Storage Element Loaded):VolumeTag = G20002L7")
 * // { kind: "drive", drive: { index: 3, full: true, barcode: "G20002L7", sourceSlot: null } }
 */
export function parseMtxStatusLine(line: string): MtxStatusLine | null {
  const text = line.trim();

  const header = HEADER.exec(text);
  if (header) {
    return {
      kind: "header",
      device: header[1] as string,
      driveCount: Number(header[2]),
      slotCount: Number(header[3]),
      importExportCount: Number(header[4]),
    };
  }

  const drive = DRIVE.exec(text);
  if (drive) {
    const tags = parseTags(drive[4] as string);
    if (!tags) return null;
    const full = drive[2] === undefined;
    const status: DriveStatus = {
      index: Number(drive[1]),
      full,
      // A tag on an empty element names no tape there.
      barcode: full ? tags.barcode : null,
      sourceSlot: drive[3] === undefined ? null : Number(drive[3]),
    };
    if (tags.alternate !== undefined) status.alternateBarcode = full ? tags.alternate : null;
    return { kind: "drive", drive: status };
  }

  const slot = SLOT.exec(text);
  if (slot) {
    const tags = parseTags(slot[4] as string);
    if (!tags) return null;
    const full = slot[3] === "Full";
    const status: SlotStatus = {
      index: Number(slot[1]),
      full,
      barcode: full ? tags.barcode : null,
      importExport: slot[2] !== undefined,
    };
    if (tags.alternate !== undefined) status.alternateBarcode = full ? tags.alternate : null;
    return { kind: "slot", slot: status };
  }

  return null;
}

/**
 * Parses the output of `mtx -f <changer> status` (mtx 1.3) into drives and slots.
 *
 * - Drives are numbered from 0 and slots from 1; they are kept apart, so drive 1 is never
 *   slot 1. Import/export slots are slots with `importExport: true`, and count in `slotCount`.
 * - Barcodes are trimmed of the padding libraries send; a blank tag becomes null, and so does
 *   any tag on an empty element.
 * - A Request Sense dump before the header (stderr merged with `2>&1`, e.g. a Unit Attention
 *   after a power-on) is skipped, with mtx's "Mode sense ... failed" line that follows it.
 * - Any other line it does not understand throws `MtxParseError` naming the line; lists that
 *   do not match the header's counts throw `MtxStatusIncompleteError` (see `allowTruncated`).
 *
 * @example parseMtxStatus(stdout).drives[0] // { index: 0, full: true, barcode: "AAK787L9", sourceSlot: 24 }
 */
export function parseMtxStatus(text: string, options: ParseMtxStatusOptions = {}): LibraryStatus {
  const lines = text.split(/\r?\n/);
  let header: Extract<MtxStatusLine, { kind: "header" }> | null = null;
  let inRequestSense = false;
  const drives: DriveStatus[] = [];
  const slots: SlotStatus[] = [];

  for (const [index, line] of lines.entries()) {
    const lineNumber = index + 1;
    if (line.trim() === "") continue;

    if (header === null) {
      if (isRequestSenseLine(line)) {
        inRequestSense = true;
        continue;
      }
      if (inRequestSense && line.trim() === MODE_SENSE_FAILED) continue;
    }

    const parsed = parseMtxStatusLine(line);
    if (parsed === null) {
      throw new MtxParseError(lineNumber, line, "not a line of mtx status output");
    }
    if (parsed.kind === "header") {
      if (header !== null) {
        throw new MtxParseError(lineNumber, line, "a second 'Storage Changer' header");
      }
      header = parsed;
      continue;
    }
    if (header === null) {
      throw new MtxParseError(lineNumber, line, "it comes before the 'Storage Changer' header");
    }
    if (parsed.kind === "drive") {
      if (drives.some((d) => d.index === parsed.drive.index)) {
        throw new MtxParseError(lineNumber, line, `drive ${parsed.drive.index} is listed twice`);
      }
      drives.push(parsed.drive);
    } else {
      if (slots.some((s) => s.index === parsed.slot.index)) {
        throw new MtxParseError(lineNumber, line, `slot ${parsed.slot.index} is listed twice`);
      }
      slots.push(parsed.slot);
    }
  }

  if (header === null) {
    const last = lines.findLastIndex((line) => line.trim() !== "");
    const reason =
      last < 0
        ? "the output is empty"
        : "the output ends without a 'Storage Changer' header: mtx printed no status";
    throw new MtxParseError(Math.max(last, 0) + 1, lines[last] ?? "", reason);
  }

  const found = header;
  checkCounts(found, drives, slots, options.allowTruncated === true);
  const status: LibraryStatus = {
    device: found.device,
    driveCount: found.driveCount,
    slotCount: found.slotCount,
    importExportCount: found.importExportCount,
    drives,
    slots,
  };
  const truncated =
    drives.length < found.driveCount ||
    slots.length < found.slotCount ||
    slots.filter((s) => s.importExport).length < found.importExportCount;
  if (truncated) status.truncated = true;
  return status;
}

function checkCounts(
  header: Extract<MtxStatusLine, { kind: "header" }>,
  drives: readonly DriveStatus[],
  slots: readonly SlotStatus[],
  allowTruncated: boolean,
): void {
  const expected = {
    drives: header.driveCount,
    slots: header.slotCount,
    importExport: header.importExportCount,
  };
  const found = {
    drives: drives.length,
    slots: slots.length,
    importExport: slots.filter((s) => s.importExport).length,
  };
  const tooMany =
    found.drives > expected.drives ||
    found.slots > expected.slots ||
    found.importExport > expected.importExport;
  const tooFew =
    found.drives < expected.drives ||
    found.slots < expected.slots ||
    found.importExport < expected.importExport;
  if (tooMany || (tooFew && !allowTruncated)) {
    throw new MtxStatusIncompleteError(expected, found);
  }
}
