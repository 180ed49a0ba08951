import type {
  CatalogFile,
  CatalogFolder,
  CatalogJob,
  CatalogTape,
  ErrorInfo,
} from "../../shared/messages/index.ts";
import type { FileRow, FolderRow, JobRow, JsonObject, TapeRow } from "./db/index.ts";
import { nominalCapacityKiB } from "./media-capacity.ts";

/* Database rows → the JSON the catalog answers with: ISO timestamps, KiB names as on the wire. */

export function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

export function jobToWire(job: JobRow): CatalogJob {
  return {
    id: job.id,
    kind: job.kind,
    args: job.args,
    priority: job.priority,
    state: job.state,
    progress: job.progress,
    error: job.error,
    attempts: job.attempts,
    abortRequested: job.abortRequested,
    drive: job.drive,
    pendingError: job.pendingError === null ? null : errorInfo(job.pendingError),
    createdAt: job.createdAt.toISOString(),
    startedAt: isoOrNull(job.startedAt),
    finishedAt: isoOrNull(job.finishedAt),
    waitingOn: job.waitingOn,
    waitingRetry: job.waitingRetry,
    currentStep: job.currentStep,
    committedAt: isoOrNull(job.committedAt),
    bytesMoved: job.bytesMoved,
    filesMoved: job.filesMoved,
  };
}

/** The stored `{ code, message, hint? }` back as an ErrorInfo (the column is plain JSON). */
function errorInfo(stored: JsonObject): ErrorInfo {
  const { code, message, hint } = stored;
  return {
    code: typeof code === "string" && code !== "" ? code : "UNEXPECTED_ERROR",
    message: typeof message === "string" ? message : "",
    ...(typeof hint === "string" ? { hint } : {}),
  };
}

/**
 * A recorded file as restore and verify get it: mtime as decimal text (beyond 2^53). Only for
 * files with a checksum; the caller refuses the others.
 */
export function fileToWire(file: FileRow & { checksum: string }): CatalogFile {
  return {
    path: file.relativePath,
    sizeBytes: file.sizeBytes,
    mtimeNs: file.mtimeNs.toString(),
    mode: file.mode,
    sha256: file.checksum,
    startBlock: file.startBlock,
    partition: file.partition,
  };
}

export function folderToWire(folder: FolderRow): CatalogFolder {
  return {
    path: folder.path,
    state: folder.state,
    description: folder.description,
    targetName: folder.targetName,
    sizeKiB: folder.sizeKib,
    apparentBytes: folder.apparentBytes,
    fileCount: folder.fileCount,
    compressed: folder.compressed,
    archivePath: folder.archivePath,
    tapeBarcode: folder.tapeBarcode,
    error: folder.error,
    archivedAt: isoOrNull(folder.archivedAt),
    verifiedAt: isoOrNull(folder.verifiedAt),
    measuredAt: isoOrNull(folder.measuredAt),
    checksumsFrom: folder.checksumsFrom,
  };
}

/** `archivedKiB` is what the catalog archived on the tape; see tapeUsedKiB and tapeCapacityKiB. */
export function tapeToWire(
  tape: TapeRow,
  archivedKiB: number,
  tapeMaxSizeKiB: number,
): CatalogTape {
  return {
    barcode: tape.barcode,
    state: tape.state,
    cleaning: tape.cleaning,
    simulated: tape.simulated,
    homeSlot: tape.homeSlot,
    usedKiB: tapeUsedKiB(tape, archivedKiB),
    capacityKiB: tapeCapacityKiB(tape, tapeMaxSizeKiB),
    lastSeenAt: isoOrNull(tape.lastSeenAt),
  };
}

/**
 * The tape's own capacity, capped by `[General] tape_max_size` (the admin's cap stays a cap):
 * LTFS's once formatted, else the library's statement for the cartridge, else what its LTO
 * generation holds. Unknown: tape_max_size.
 */
export function tapeCapacityKiB(tape: TapeRow, tapeMaxSizeKiB: number): number {
  const own = tape.capacityKib ?? nominalCapacityKiB(tape.generation);
  return Math.min(own ?? tapeMaxSizeKiB, tapeMaxSizeKiB);
}

/**
 * Space taken on the tape: what LTFS last reported, or the catalog's archived folders if they
 * add up to more. LTFS's figure also counts copies that did not complete (moved aside, never
 * freed: LTFS does not reclaim space), which the catalog's sum cannot know.
 */
export function tapeUsedKiB(tape: TapeRow, archivedKiB: number): number {
  return Math.max(tape.usedKib ?? 0, archivedKiB);
}
