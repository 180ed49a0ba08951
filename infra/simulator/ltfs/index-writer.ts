import {
  LTFS_ATTRIBUTE,
  readAttribute,
  removeAttribute,
  writeAttribute,
  writeRootAttributes,
} from "./ltfs-attributes.ts";
import { inWriteOrder, type TreeEntry, treeDigest, walkMediumTree } from "./medium-tree.ts";
import { LTFS_BLOCK_SIZE, ltfsTimestamp, type TapeLabel } from "./tape-medium.ts";

export interface WriteIndexOptions {
  /** Why the index is written, as LTFS17235I says: "Unmount", "Recovery". */
  readonly reason: string;
  /** Write a new generation even when nothing changed (ltfsck's recovery does). */
  readonly force?: boolean;
  /** First free block of the data partition when data beyond the last index is accounted for. */
  readonly firstFreeBlock?: number;
}

export interface IndexWriteResult {
  /** False when nothing changed since the last index: LTFS then writes none. */
  readonly written: boolean;
  readonly label: TapeLabel;
  /** Regular files on the volume ("Writing index … (Reason: Unmount, 6 files)"). */
  readonly fileCount: number;
  /** Files that got their first block in this index. */
  readonly newFiles: number;
}

function blocksFor(size: bigint): number {
  const blocks = Number((size + BigInt(LTFS_BLOCK_SIZE) - 1n) / BigInt(LTFS_BLOCK_SIZE));
  return Math.max(1, blocks);
}

/** The first block after the newest index and its file mark: where new data goes. */
export function firstDataBlockAfterIndex(label: TapeLabel): number {
  return label.indexPosition + 2;
}

/**
 * Writes an LTFS index for the tree mounted at `root`, the way the simulated daemon does at
 * unmount: files and directories written since the last index get their virtual attributes in
 * write order (creation time, then inode) — `user.ltfs.fileUID`, `user.ltfs.volumeUUID`, and
 * for files with data `user.ltfs.startblock` (each file starts on a new 512 KiB block after the
 * previous one, at least one block each) and `user.ltfs.partition` = b. Empty files get no
 * startblock or partition, as in real LTFS. The index itself lands after the data and a file
 * mark, which is where real LTFS's next `Gen = N / … -> (b, X)` points.
 *
 * @example
 * writeIndex("/run/index-1", label, { reason: "Unmount" }).label.generation // label.generation + 1
 */
export function writeIndex(
  root: string,
  label: TapeLabel,
  options: WriteIndexOptions,
): IndexWriteResult {
  const entries = walkMediumTree(root);
  const attributed = entries.filter((entry) => entry.kind === "file" || entry.kind === "directory");
  let highestFileUID = label.highestFileUID;
  for (const entry of inWriteOrder(attributed)) {
    if (readAttribute(entry.absolute, LTFS_ATTRIBUTE.fileUID) !== null) continue;
    highestFileUID += 1;
    writeAttribute(entry.absolute, LTFS_ATTRIBUTE.fileUID, String(highestFileUID));
    writeAttribute(entry.absolute, LTFS_ATTRIBUTE.volumeUUID, label.volumeUUID);
  }

  const files = entries.filter((entry) => entry.kind === "file");
  const dataStart = Math.max(firstDataBlockAfterIndex(label), options.firstFreeBlock ?? 0);
  const { next, placed } = placeNewData(files, dataStart);

  const digest = treeDigest(entries);
  const changed =
    options.force === true ||
    digest !== label.treeDigest ||
    highestFileUID !== label.highestFileUID ||
    next !== dataStart;
  if (!changed) return { written: false, label, fileCount: files.length, newFiles: 0 };

  // With new data: data, a file mark, then the index. Without: a file mark, then the index.
  const position = next > firstDataBlockAfterIndex(label) ? next + 1 : label.indexPosition + 3;
  const time = ltfsTimestamp();
  const generation = label.generation + 1;
  const written: TapeLabel = {
    ...label,
    generation,
    indexTime: time,
    indexPosition: position,
    highestFileUID,
    treeDigest: digest,
    history: [
      ...label.history,
      { generation, time, position, previous: label.indexPosition, reason: options.reason },
    ],
  };
  writeRootAttributes(root, written);
  return { written: true, label: written, fileCount: files.length, newFiles: placed };
}

/** Gives files with data but no block yet their blocks; returns the next free block. */
function placeNewData(
  files: readonly TreeEntry[],
  firstBlock: number,
): { next: number; placed: number } {
  let next = firstBlock;
  let placed = 0;
  for (const file of inWriteOrder([...files])) {
    const hasBlock = readAttribute(file.absolute, LTFS_ATTRIBUTE.startBlock) !== null;
    if (file.size === 0n) {
      // Truncated to nothing since: LTFS keeps no extent, so no startblock either.
      if (hasBlock) {
        removeAttribute(file.absolute, LTFS_ATTRIBUTE.startBlock);
        removeAttribute(file.absolute, LTFS_ATTRIBUTE.partition);
      }
      continue;
    }
    if (hasBlock) continue;
    if (!writeAttribute(file.absolute, LTFS_ATTRIBUTE.startBlock, String(next))) continue;
    writeAttribute(file.absolute, LTFS_ATTRIBUTE.partition, "b");
    next += blocksFor(file.size);
    placed += 1;
  }
  return { next, placed };
}
