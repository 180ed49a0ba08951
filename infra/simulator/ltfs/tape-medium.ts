import fs from "node:fs";
import path from "node:path";

/**
 * What a simulated cartridge holds once formatted. The tape folder `<state>/tapes/<barcode>/`
 * stays EMPTY while the tape is blank (so a site could point real LTFS's file backend at the
 * same folders); a formatted tape has:
 *
 *   medium.img   an ext4 file system image, sparse, as large as the cartridge's capacity
 *   label.json   the LTFS label and index bookkeeping (TapeLabel below)
 *   dirty        present while an ltfs daemon has the tape mounted read-write; left behind
 *                when that daemon dies without writing its index, so that the next mount
 *                fails until ltfsck has run (as real LTFS after a crash)
 */
export interface TapeMediumFiles {
  readonly dir: string;
  readonly image: string;
  readonly label: string;
  readonly dirtyMarker: string;
}

export function tapeMediumFiles(tapeDir: string): TapeMediumFiles {
  return {
    dir: tapeDir,
    image: path.join(tapeDir, "medium.img"),
    label: path.join(tapeDir, "label.json"),
    dirtyMarker: path.join(tapeDir, "dirty"),
  };
}

/** LTFS's record size: every file starts on a new 512 KiB block of the data partition. */
export const LTFS_BLOCK_SIZE = 524_288;

/** Where mkltfs puts the first index on both partitions (a:5 and b:5, as real LTFS does). */
export const FIRST_INDEX_POSITION = 5;

/** One index written to the data partition: what `ltfsck -l` lists. */
export interface IndexRecord {
  readonly generation: number;
  /** LTFS time format, e.g. 2026-11-26T03:17:13.527836606Z. */
  readonly time: string;
  /** Block of this index on partition b. */
  readonly position: number;
  /** Block of the previous index on partition b; null for the first. */
  readonly previous: number | null;
  /** "Format", "Unmount", "Recovery". */
  readonly reason: string;
}

/** The label and index bookkeeping of a formatted simulated tape (`label.json`). */
export interface TapeLabel {
  readonly barcode: string;
  /** `mkltfs -s`; null when none was given (LTFS prints NO_BARCODE). */
  readonly volumeSerial: string | null;
  /** `mkltfs -n`; null when none was given. */
  readonly volumeName: string | null;
  readonly volumeUUID: string;
  readonly formatTime: string;
  /** Index generation: 1 after mkltfs, +1 for each index written at unmount or by ltfsck. */
  readonly generation: number;
  readonly indexTime: string;
  /** Block of the newest index on the data partition (b); data goes on after it. */
  readonly indexPosition: number;
  /** The last file UID handed out (the root directory is 1). */
  readonly highestFileUID: number;
  /** Digest of the tree as of the last index, to tell whether an unmount changed anything. */
  readonly treeDigest: string;
  /** Every index on the data partition, oldest first. */
  readonly history: readonly IndexRecord[];
}

/** The label of a formatted tape, or null when the tape is blank (or was wiped). */
export function readTapeLabel(tapeDir: string): TapeLabel | null {
  const files = tapeMediumFiles(tapeDir);
  if (!fs.existsSync(files.image)) return null;
  try {
    return JSON.parse(fs.readFileSync(files.label, "utf8")) as TapeLabel;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

export function writeTapeLabel(tapeDir: string, label: TapeLabel): void {
  const file = tapeMediumFiles(tapeDir).label;
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(label, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

export function isMediumDirty(tapeDir: string): boolean {
  return fs.existsSync(tapeMediumFiles(tapeDir).dirtyMarker);
}

export function markMediumDirty(tapeDir: string, pid: number): void {
  fs.writeFileSync(tapeMediumFiles(tapeDir).dirtyMarker, `${pid}\n`);
}

export function clearMediumDirty(tapeDir: string): void {
  fs.rmSync(tapeMediumFiles(tapeDir).dirtyMarker, { force: true });
}

/** Makes the tape blank again: its folder ends up empty, as `mkltfs -w` leaves a real one. */
export function eraseMedium(tapeDir: string): void {
  const files = tapeMediumFiles(tapeDir);
  for (const file of [files.image, files.label, `${files.label}.tmp`, files.dirtyMarker]) {
    fs.rmSync(file, { force: true });
  }
}

/** Serial as LTFS prints it in its messages. */
export function printedSerial(label: Pick<TapeLabel, "volumeSerial">): string {
  return label.volumeSerial ?? "NO_BARCODE";
}

let lastStamp = 0n;

/**
 * Now, in LTFS's time format (UTC, nanoseconds): 2026-11-26T03:17:13.527836606Z. The digits
 * below the millisecond come from the monotonic clock, and stamps never repeat.
 */
export function ltfsTimestamp(date: Date = new Date()): string {
  let stamp = BigInt(date.getTime()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (stamp <= lastStamp) stamp = lastStamp + 1n;
  lastStamp = stamp;
  const seconds = new Date(Number(stamp / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${String(stamp % 1_000_000_000n).padStart(9, "0")}Z`;
}

/** `2026-11-26 03:18:39.392309867 UTC`, the form ltfsck's volume information uses. */
export function ltfsckTime(timestamp: string): string {
  return `${timestamp.replace("T", " ").replace(/Z$/, "")} UTC`;
}
