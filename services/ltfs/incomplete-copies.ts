import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { truncateUtf8 } from "../../shared/format/index.ts";

/**
 * Hidden folder at a tape's top level where interrupted copies are moved, so that the name is
 * free for a complete copy. LTFS renames without copying, but never frees the space they use.
 */
export const INCOMPLETE_FOLDER = ".pytarchive-incomplete";

/** Room for the suffix (`.<job>.<attempt>.<ms>`, 34 bytes at most) in a 255-byte name. */
const NAME_BYTES = 220;

/**
 * Moves `<mount>/<name>` (a copy without its manifest) to
 * `<mount>/.pytarchive-incomplete/<name>.<jobId>.<attempt>.<epoch ms>`; returns the new path.
 */
export async function moveIncompleteCopyAside(request: {
  readonly mountPoint: string;
  readonly name: string;
  readonly jobId: string;
  readonly attempt: number;
  readonly now?: () => number;
}): Promise<string> {
  const folder = path.join(request.mountPoint, INCOMPLETE_FOLDER);
  await mkdir(folder, { recursive: true });
  const stamp = (request.now ?? Date.now)();
  const aside = path.join(
    folder,
    `${truncateUtf8(request.name, NAME_BYTES)}.${request.jobId}.${request.attempt}.${stamp}`,
  );
  await rename(path.join(request.mountPoint, request.name), aside);
  return aside;
}
