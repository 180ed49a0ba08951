import { lstat } from "node:fs/promises";
import path from "node:path";
import { type FileDigest, hashFilesInOrder } from "./hash-files.ts";
import { readStartBlocks, type TapePlacement } from "./read-start-blocks.ts";
import { listTapeTree } from "./tape-tree.ts";
import type { VerifyProgress } from "./verify-folder-on-tape.ts";

/** One regular file of a folder on a tape, as read: what the catalog records, and its digest. */
export interface TapeFile extends TapePlacement {
  /** Relative to the folder, "/"-separated. */
  readonly path: string;
  readonly size: number;
  readonly mtimeNs: string;
  readonly mode: number;
  readonly digest: FileDigest;
}

/**
 * Reads every regular file of a folder on a mounted tape, once, in tape order (LTFS start
 * blocks; files without one last), with its size, mode, modification time and SHA-256. For
 * folders no manifest describes: what was written by the original pytarchive, `cp` or another
 * LTFS tool. Links and special files are not files the catalog holds; they are left out.
 *
 * @example
 * const files = await readTapeFolder("/ltfs0/projects_2019_survey");
 * files[0] // { path: "a.dat", size: 5, sha256 in digest, startBlock: 1042, partition: "b", … }
 */
export async function readTapeFolder(
  folderOnTape: string,
  options: { signal?: AbortSignal; onProgress?: (progress: VerifyProgress) => void } = {},
): Promise<TapeFile[]> {
  const tree = await listTapeTree(folderOnTape);
  const paths = [...tree].filter(([, kind]) => kind === "file").map(([relative]) => relative);
  const stated = await Promise.all(
    paths.map(async (relative) => {
      const stats = await lstat(path.join(folderOnTape, relative), { bigint: true });
      return {
        path: relative,
        size: Number(stats.size),
        mtimeNs: stats.mtimeNs.toString(),
        mode: Number(stats.mode),
      };
    }),
  );
  const placed = (await readStartBlocks(folderOnTape, stated)).sort(byTapeOrder);
  const bytesTotal = placed.reduce((sum, file) => sum + file.size, 0);
  let bytesDone = 0;
  let filesDone = 0;
  const report = () =>
    options.onProgress?.({
      filesDone,
      filesTotal: placed.length,
      bytesDone,
      bytesTotal,
      path: placed[filesDone]?.path ?? null,
    });
  const files: TapeFile[] = [];
  const digests = hashFilesInOrder(
    placed.map((file) => ({ absolute: path.join(folderOnTape, file.path), size: file.size })),
    {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onBytes: (bytes) => {
        bytesDone += bytes;
        report();
      },
    },
  );
  for await (const { index, digest } of digests) {
    files.push({ ...(placed[index] as (typeof placed)[number]), digest });
    filesDone += 1;
    report();
  }
  return files;
}

function byTapeOrder(a: TapePlacement, b: TapePlacement): number {
  const partition = (a.partition ?? "z").localeCompare(b.partition ?? "z");
  if (partition !== 0) return partition;
  return (a.startBlock ?? Number.MAX_SAFE_INTEGER) - (b.startBlock ?? Number.MAX_SAFE_INTEGER);
}
