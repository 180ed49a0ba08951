import { getAttributeSync, removeAttributeSync, setAttributeSync } from "@napi-rs/xattr";
import type { TapeLabel } from "./tape-medium.ts";

/**
 * The virtual extended attributes real LTFS answers (src/libltfs/xattr.c), which the simulated
 * drive stores as real ext4 xattrs.
 *
 * Known and accepted differences from real LTFS:
 * - ext4 lists these names in listxattr (`getfattr -d -m -` shows them); real LTFS hides
 *   them and answers only when asked by name.
 * - They are written when the index is written (at unmount, or by ltfsck), not while a file
 *   is being written: a file copied in this mount has no startblock until after unmount.
 */
export const LTFS_ATTRIBUTE = {
  startBlock: "user.ltfs.startblock",
  partition: "user.ltfs.partition",
  fileUID: "user.ltfs.fileUID",
  volumeUUID: "user.ltfs.volumeUUID",
  volumeName: "user.ltfs.volumeName",
  volumeSerial: "user.ltfs.volumeSerial",
  indexGeneration: "user.ltfs.indexGeneration",
  indexLocation: "user.ltfs.indexLocation",
  indexPrevious: "user.ltfs.indexPrevious",
  partitionMap: "user.ltfs.partitionMap",
  volumeBlocksize: "user.ltfs.volumeBlocksize",
  softwareProduct: "user.ltfs.softwareProduct",
  softwareVendor: "user.ltfs.softwareVendor",
  softwareVersion: "user.ltfs.softwareVersion",
  softwareFormatSpec: "user.ltfs.softwareFormatSpec",
  mamBarcode: "user.ltfs.mamBarcode",
} as const;

/** The attribute's value as text, or null when the file does not have it. */
export function readAttribute(file: string, name: string): string | null {
  try {
    return getAttributeSync(file, name)?.toString("utf8") ?? null;
  } catch {
    return null;
  }
}

/** Sets an attribute; false when the file system refuses (ENOSPC on a full tape). */
export function writeAttribute(file: string, name: string, value: string): boolean {
  try {
    setAttributeSync(file, name, value);
    return true;
  } catch {
    return false;
  }
}

export function removeAttribute(file: string, name: string): void {
  try {
    removeAttributeSync(file, name);
  } catch {
    // Not there: nothing to remove.
  }
}

/** The volume attributes LTFS shows on the mount root, refreshed at every index write. */
export function writeRootAttributes(root: string, label: TapeLabel): void {
  const previous = label.history.at(-1)?.position ?? label.indexPosition;
  const values: [string, string][] = [
    [LTFS_ATTRIBUTE.fileUID, "1"],
    [LTFS_ATTRIBUTE.volumeUUID, label.volumeUUID],
    [LTFS_ATTRIBUTE.indexGeneration, String(label.generation)],
    [LTFS_ATTRIBUTE.indexLocation, "a:5"],
    [LTFS_ATTRIBUTE.indexPrevious, `b:${previous}`],
    [LTFS_ATTRIBUTE.partitionMap, "I:a,D:b"],
    [LTFS_ATTRIBUTE.volumeBlocksize, "524288"],
    [LTFS_ATTRIBUTE.softwareProduct, "LTFS LE"],
    [LTFS_ATTRIBUTE.softwareVendor, "IBM"],
    [LTFS_ATTRIBUTE.softwareVersion, "2.4.8.4 (Prelim)"],
    [LTFS_ATTRIBUTE.softwareFormatSpec, "2.4.0"],
    [LTFS_ATTRIBUTE.mamBarcode, (label.volumeSerial ?? "").padEnd(32, " ")],
  ];
  if (label.volumeSerial !== null) values.push([LTFS_ATTRIBUTE.volumeSerial, label.volumeSerial]);
  if (label.volumeName !== null) values.push([LTFS_ATTRIBUTE.volumeName, label.volumeName]);
  for (const [name, value] of values) writeAttribute(root, name, value);
}
