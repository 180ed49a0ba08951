import fs from "node:fs";
import path from "node:path";
import { firstDataBlockAfterIndex } from "./index-writer.ts";
import { LTFS_ATTRIBUTE, readAttribute, writeAttribute } from "./ltfs-attributes.ts";
import { inWriteOrder, walkMediumTree } from "./medium-tree.ts";
import { LTFS_BLOCK_SIZE, type TapeLabel } from "./tape-medium.ts";

/** Where `ltfsck -f` puts the data blocks it finds beyond the last index. */
export const LOST_AND_FOUND = "_ltfs_lostandfound";

export interface RecoveryResult {
  /** Files written after the last index, now dropped from the volume. */
  readonly discardedFiles: number;
  /** Blocks saved under /_ltfs_lostandfound (with -f). */
  readonly savedBlocks: number;
  /** The first block after the unreferenced data, where the recovered index goes after a mark. */
  readonly firstFreeBlock: number;
}

function blocksOf(size: number): number {
  return Math.max(1, Math.ceil(size / LTFS_BLOCK_SIZE));
}

/**
 * What ltfsck does to a volume whose daemon died before writing its index: what was written
 * since the last index is not in any index, so it is dropped from the volume (files and
 * directories without `user.ltfs.fileUID`). Its blocks stay on tape and the new index goes
 * after them. With `keepBlocks` (ltfsck -f) the data is saved as raw 512 KiB blocks named
 * `partition1_block<N>_<bytes>bytes` in /_ltfs_lostandfound, not reassembled into files,
 * as real LTFS does. Changes to files that were already indexed, and deletions, cannot be
 * undone here (a known difference: real LTFS returns to the last index exactly).
 */
export function recoverUnindexedData(
  root: string,
  label: TapeLabel,
  options: { readonly keepBlocks: boolean },
): RecoveryResult {
  const entries = walkMediumTree(root);
  const unindexed = entries.filter(
    (entry) =>
      (entry.kind === "file" || entry.kind === "directory") &&
      readAttribute(entry.absolute, LTFS_ATTRIBUTE.fileUID) === null,
  );
  const lostAndFound = path.join(root, LOST_AND_FOUND);
  let block = firstDataBlockAfterIndex(label);
  let savedBlocks = 0;
  let discardedFiles = 0;
  const files = inWriteOrder(unindexed.filter((entry) => entry.kind === "file"));
  if (options.keepBlocks && files.some((file) => file.size > 0n)) {
    fs.mkdirSync(lostAndFound, { recursive: true });
  }
  for (const file of files) {
    const size = Number(file.size);
    if (size > 0 && options.keepBlocks) {
      savedBlocks += saveAsBlocks(file.absolute, lostAndFound, block);
    }
    if (size > 0) block += blocksOf(size);
    fs.rmSync(file.absolute, { force: true });
    discardedFiles += 1;
  }
  // Deepest first; a directory that now holds indexed files (moved in) stays.
  const directories = unindexed
    .filter((entry) => entry.kind === "directory" && entry.absolute !== lostAndFound)
    .sort((a, b) => b.relative.length - a.relative.length);
  for (const directory of directories) {
    if (fs.readdirSync(directory.absolute).length === 0) fs.rmdirSync(directory.absolute);
  }
  return { discardedFiles, savedBlocks, firstFreeBlock: block };
}

/** Copies a file into `partition1_block<N>_<bytes>bytes` pieces; returns how many. */
function saveAsBlocks(file: string, dir: string, firstBlock: number): number {
  const buffer = Buffer.alloc(LTFS_BLOCK_SIZE);
  const input = fs.openSync(file, "r");
  let count = 0;
  try {
    for (;;) {
      const length = fs.readSync(input, buffer, 0, LTFS_BLOCK_SIZE, null);
      if (length === 0) break;
      const block = firstBlock + count;
      const piece = path.join(dir, `partition1_block${block}_${length}bytes`);
      fs.writeFileSync(piece, buffer.subarray(0, length));
      writeAttribute(piece, LTFS_ATTRIBUTE.startBlock, String(block));
      writeAttribute(piece, LTFS_ATTRIBUTE.partition, "b");
      count += 1;
    }
  } finally {
    fs.closeSync(input);
  }
  return count;
}
