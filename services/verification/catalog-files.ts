import { type CatalogFile, MAX_FILES_PER_REQUEST } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";

/**
 * Records the files of a folder being archived, MAX_FILES_PER_REQUEST at a time. The catalog
 * replaces a file it already has, so a repeated run records the same rows again harmlessly.
 */
export async function recordFiles(
  catalog: CatalogClient,
  request: { jobId: string; attempt: number; path: string; tape: string },
  files: readonly CatalogFile[],
  onBatch?: (recorded: number) => void,
): Promise<void> {
  for (let start = 0; start < files.length; start += MAX_FILES_PER_REQUEST) {
    await catalog.call("files-record", {
      ...request,
      files: files.slice(start, start + MAX_FILES_PER_REQUEST),
    });
    onBatch?.(Math.min(files.length, start + MAX_FILES_PER_REQUEST));
  }
}
