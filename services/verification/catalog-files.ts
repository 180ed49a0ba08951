import { mapLimited } from "../../shared/concurrency/index.ts";
import type { ManifestEntry } from "../../shared/manifest/index.ts";
import { type CatalogFile, MAX_FILES_PER_REQUEST } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import type { TapeFile, TapePlacement } from "./engine/index.ts";

/**
 * Requests in flight at once: the catalog's work on one batch overlaps the transfer and checks
 * of the next, where one after the other each waited for the last (PostgreSQL also runs them side
 * by side; PGlite one at a time).
 */
const BATCHES_AT_ONCE = 4;

/**
 * Records the files of a folder being archived, MAX_FILES_PER_REQUEST a request, a few requests
 * at once. The catalog replaces a file it already has, so a repeated run records the same rows
 * again harmlessly. Stops sending when `signal` is aborted.
 */
export async function recordFiles(
  catalog: CatalogClient,
  request: { jobId: string; attempt: number; path: string; tape: string },
  files: readonly CatalogFile[],
  signal?: AbortSignal,
  /** `import-files-record`: files read from a tape by an import-tape or verify --adopt job. */
  operation: "files-record" | "import-files-record" = "files-record",
): Promise<void> {
  const starts: number[] = [];
  for (let start = 0; start < files.length; start += MAX_FILES_PER_REQUEST) starts.push(start);
  await mapLimited(starts, BATCHES_AT_ONCE, async (start) => {
    signal?.throwIfAborted();
    await catalog.call(operation, {
      ...request,
      files: files.slice(start, start + MAX_FILES_PER_REQUEST),
    });
  });
}

/** A file read and hashed from a tape, as the catalog records it (its digest succeeded). */
export function catalogFileOfTapeFile(file: TapeFile): CatalogFile {
  return {
    path: file.path,
    sizeBytes: file.size,
    mtimeNs: file.mtimeNs,
    mode: file.mode,
    // Callers record only files whose digest succeeded; a failed one is reported instead.
    sha256: file.digest.error === undefined ? file.digest.sha256 : "",
    startBlock: file.startBlock,
    partition: file.partition === "a" || file.partition === "b" ? file.partition : null,
  };
}

/** A manifest's file entry, placed on the tape, as the catalog records it. */
export function catalogFileOfManifestEntry(entry: ManifestEntry & TapePlacement): CatalogFile {
  return {
    path: entry.path,
    sizeBytes: entry.size,
    mtimeNs: entry.mtimeNs,
    mode: entry.mode,
    // The manifest parser guarantees a checksum for every file.
    sha256: entry.sha256 ?? "",
    startBlock: entry.startBlock,
    partition: entry.partition === "a" || entry.partition === "b" ? entry.partition : null,
  };
}
