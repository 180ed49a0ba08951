import { type CatalogFile, MAX_FILES_PER_REQUEST } from "../messages/index.ts";
import type { CatalogClient } from "./catalog-client.ts";

/**
 * Every file the catalog recorded for an archived folder, in tape order, read page by page (a
 * reply holds at most MAX_FILES_PER_REQUEST files; each asks for the files after the last one).
 * `onPage` runs after each page, e.g. to tell a work queue the step is alive.
 *
 * @example
 * const files = await readFolderFiles(catalog, "/srv/projects/ada", { signal });
 */
export async function readFolderFiles(
  catalog: CatalogClient,
  folderPath: string,
  options: { signal?: AbortSignal; onPage?: (filesSoFar: number) => void } = {},
): Promise<CatalogFile[]> {
  const files: CatalogFile[] = [];
  let page = await catalog.call("folder-files", {
    path: folderPath,
    limit: MAX_FILES_PER_REQUEST,
  });
  for (;;) {
    files.push(...page.files);
    options.onPage?.(files.length);
    if (page.next === null) return files;
    options.signal?.throwIfAborted();
    page = await catalog.call("folder-files", {
      path: folderPath,
      after: page.next,
      limit: MAX_FILES_PER_REQUEST,
    });
  }
}
