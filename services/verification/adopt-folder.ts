import { lstat } from "node:fs/promises";
import path from "node:path";
import { FileWorkerFailedError } from "../../shared/data-path/index.ts";
import type { CatalogFolder } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { catalogFileOfTapeFile, recordFiles } from "./catalog-files.ts";
import type { FolderCheck } from "./check-folder.ts";
import {
  type FileDigest,
  hashFilesInOrder,
  listTapeTree,
  readTapeFolder,
  type VerifyProgress,
} from "./engine/index.ts";

export interface AdoptFolderRequest {
  readonly catalog: CatalogClient;
  /** An archived folder as the catalog has it. */
  readonly folder: CatalogFolder;
  readonly mountPoint: string;
  /** The running verify --adopt job, for the files it records. */
  readonly report: { readonly jobId: string; readonly attempt: number; readonly tape: string };
  /** `[General] exclude_folders`: paths of the original that were never archived. */
  readonly exclude: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: VerifyProgress) => void;
}

/**
 * `verify --adopt` of one archived folder: reads every file on the tape and hashes it, then
 * reads the same file of the original (read-only: the original is opened for reading and never
 * written) and compares size and SHA-256; files only in the original are differences too. When
 * everything matches, the files read are recorded with their checksums, so the folder can be
 * marked verified; otherwise nothing is recorded and each difference is a problem line.
 *
 * @example
 * const { problems } = await adoptFolder({ catalog, folder, mountPoint: "/ltfs0", report, exclude: [] });
 * problems // ["data/a.bin: differs from the original (tape 9f86d081884c…, original 03ac674216f3…)"]
 */
export async function adoptFolder(request: AdoptFolderRequest): Promise<FolderCheck> {
  const { folder, signal } = request;
  const problems: string[] = [];
  const result = (filesChecked = 0, bytesChecked = 0): FolderCheck => ({
    path: folder.path,
    problems,
    filesChecked,
    bytesChecked,
  });
  if (folder.targetName === null) {
    problems.push("the catalog has no name on tape for this folder, so it cannot be found");
    return result();
  }
  if (folder.compressed) {
    problems.push(
      "it is packed in one archive on the tape, so it cannot be compared file by file with the original; not adopted",
    );
    return result();
  }
  const original = await lstat(folder.path).catch(() => null);
  if (original === null || !original.isDirectory()) {
    problems.push(
      `the original ${folder.path} is gone, so nothing can be compared with it; it stays archived, not verified`,
    );
    return result();
  }
  const folderOnTape = path.join(request.mountPoint, folder.targetName);
  let onTape: Awaited<ReturnType<typeof readTapeFolder>>;
  try {
    onTape = await readTapeFolder(folderOnTape, {
      ...(signal === undefined ? {} : { signal }),
      ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
    });
  } catch (error) {
    if (signal?.aborted || error instanceof FileWorkerFailedError) throw error;
    problems.push(
      `${folderOnTape} cannot be read on the mounted tape (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
    return result();
  }
  const bytes = onTape.reduce((sum, file) => sum + file.size, 0);
  const originals = hashFilesInOrder(
    onTape.map((file) => ({ absolute: path.join(folder.path, file.path), size: file.size })),
    // The originals are on disk: many reads at once.
    { readFrom: "disk", ...(signal === undefined ? {} : { signal }) },
  );
  for await (const { index, digest } of originals) {
    const file = onTape[index] as (typeof onTape)[number];
    const difference = differenceOf(file.digest, digest);
    if (difference !== null) problems.push(`${file.path}: ${difference}`);
  }
  const inOriginal = await listTapeTree(folder.path);
  const onTapePaths = new Set(onTape.map((file) => file.path));
  for (const [relative, kind] of inOriginal) {
    if (kind !== "file" || onTapePaths.has(relative) || excluded(relative, request.exclude))
      continue;
    problems.push(`${relative}: in the original, not on the tape`);
  }
  if (problems.length === 0) {
    const files = onTape.map(catalogFileOfTapeFile);
    await recordFiles(
      request.catalog,
      { ...request.report, path: folder.path },
      files,
      undefined,
      "import-files-record",
    );
  }
  return result(onTape.length, bytes);
}

function differenceOf(tape: FileDigest, original: FileDigest): string | null {
  if (tape.error !== undefined)
    return `unreadable on the tape (${tape.error.code ?? tape.error.message})`;
  if (original.error !== undefined) {
    return original.error.code === "ENOENT"
      ? "on the tape, not in the original"
      : `the original cannot be read (${original.error.code ?? original.error.message})`;
  }
  if (tape.bytes !== original.bytes) {
    return `${tape.bytes} bytes on the tape, ${original.bytes} in the original`;
  }
  if (tape.sha256 !== original.sha256) {
    return `differs from the original (tape ${tape.sha256.slice(0, 12)}…, original ${original.sha256.slice(0, 12)}…)`;
  }
  return null;
}

function excluded(relative: string, exclude: readonly string[]): boolean {
  return exclude.some((prefix) => relative === prefix || relative.startsWith(`${prefix}/`));
}
