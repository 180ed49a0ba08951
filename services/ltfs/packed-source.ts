import { constants } from "node:fs";
import { copyFile, link, mkdir, rm } from "node:fs/promises";
import path from "node:path";

/** A folder holding only a compressed folder's tar archive: what the copy engine takes. */
export interface PackedSource {
  readonly folder: string;
  /** Removes the folder (never the archive itself). */
  dispose(): Promise<void>;
}

/**
 * The copy engine copies a folder; a compressed folder is one tar archive among others in
 * scratch_path. So the archive is hard-linked (no copy, same file) into a folder of its own,
 * `<scratch>/.pytarchive-write-<jobId>`; where links are refused it is cloned or copied.
 */
export async function stagePackedSource(request: {
  readonly archivePath: string;
  readonly scratchPath: string;
  readonly jobId: string;
}): Promise<PackedSource> {
  const folder = path.join(request.scratchPath, `.pytarchive-write-${request.jobId}`);
  // A run that crashed may have left it.
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  const staged = path.join(folder, path.basename(request.archivePath));
  try {
    await link(request.archivePath, staged);
  } catch {
    await copyFile(request.archivePath, staged, constants.COPYFILE_FICLONE);
  }
  return { folder, dispose: () => rm(folder, { recursive: true, force: true }) };
}
