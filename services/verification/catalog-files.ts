import { type CatalogFile, MAX_FILES_PER_REQUEST } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";

/**
 * Every file the catalog recorded for an archived folder, in tape order, read page by page
 * (a reply holds at most MAX_FILES_PER_REQUEST files).
 */
export async function readFolderFiles(
  catalog: CatalogClient,
  folderPath: string,
  signal?: AbortSignal,
): Promise<CatalogFile[]> {
  const files: CatalogFile[] = [];
  for (;;) {
    signal?.throwIfAborted();
    const page = await catalog.call("folder-files", {
      path: folderPath,
      offset: files.length,
      limit: MAX_FILES_PER_REQUEST,
    });
    files.push(...page.files);
    if (page.files.length === 0 || files.length >= page.total) return files;
  }
}

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
