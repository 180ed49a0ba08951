import { mapLimited } from "../../shared/concurrency/index.ts";
import { type CatalogFile, MAX_FILES_PER_REQUEST } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";

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
): Promise<void> {
  const starts: number[] = [];
  for (let start = 0; start < files.length; start += MAX_FILES_PER_REQUEST) starts.push(start);
  await mapLimited(starts, BATCHES_AT_ONCE, async (start) => {
    signal?.throwIfAborted();
    await catalog.call("files-record", {
      ...request,
      files: files.slice(start, start + MAX_FILES_PER_REQUEST),
    });
  });
}
