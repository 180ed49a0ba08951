import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { writeRootAttributes } from "./ltfs-attributes.ts";
import { treeDigest } from "./medium-tree.ts";
import { withPrivateMount } from "./private-mount.ts";
import { runSystemCommand } from "./system-command.ts";
import {
  eraseMedium,
  FIRST_INDEX_POSITION,
  ltfsTimestamp,
  type TapeLabel,
  tapeMediumFiles,
  writeTapeLabel,
} from "./tape-medium.ts";

export interface FormatRequest {
  readonly tapeDir: string;
  /** Where temporary mount points go (`<state>/run`). */
  readonly runDir: string;
  readonly barcode: string;
  readonly capacityMiB: number;
  readonly volumeSerial: string | null;
  readonly volumeName: string | null;
}

const MiB = 1024 * 1024;

/**
 * Bytes per inode for mkfs.ext4: ext4's usual 16 KiB on small cartridges; fewer inodes on big
 * ones (about 8 million at most) so that an LTO-sized image stays small on disk.
 */
export function bytesPerInode(capacityBytes: number): number {
  const wanted = capacityBytes / 8_000_000;
  let ratio = 16_384;
  while (ratio < wanted && ratio < 64 * MiB) ratio *= 2;
  return ratio;
}

/**
 * Formats the cartridge in a tape folder: a sparse ext4 image of the cartridge's capacity
 * (writing past it fails with ENOSPC, as on a full tape), an empty root as LTFS has (no
 * lost+found, mode 0777), the volume attributes on the root, and label.json at generation 1.
 * Whatever the tape held before is gone, as after a real format.
 */
export function formatMedium(request: FormatRequest): TapeLabel {
  eraseMedium(request.tapeDir);
  const { image } = tapeMediumFiles(request.tapeDir);
  const bytes = request.capacityMiB * MiB;
  const descriptor = fs.openSync(image, "w");
  try {
    fs.ftruncateSync(descriptor, bytes);
  } finally {
    fs.closeSync(descriptor);
  }
  try {
    runSystemCommand("mkfs.ext4", [
      "-q",
      "-F",
      "-m",
      "0",
      "-b",
      "4096",
      "-I",
      "512",
      "-i",
      String(bytesPerInode(bytes)),
      "-E",
      "lazy_itable_init=1,lazy_journal_init=1",
      ...(bytes >= 4096 * MiB ? ["-J", "size=64"] : []),
      image,
    ]);
    const time = ltfsTimestamp();
    const label: TapeLabel = {
      barcode: request.barcode,
      volumeSerial: request.volumeSerial,
      volumeName: request.volumeName,
      volumeUUID: randomUUID(),
      formatTime: time,
      generation: 1,
      indexTime: time,
      indexPosition: FIRST_INDEX_POSITION,
      highestFileUID: 1,
      treeDigest: treeDigest([]),
      history: [
        {
          generation: 1,
          time,
          position: FIRST_INDEX_POSITION,
          previous: null,
          reason: "Format",
        },
      ],
    };
    withPrivateMount(image, request.runDir, (root) => {
      fs.rmSync(path.join(root, "lost+found"), { recursive: true, force: true });
      fs.chmodSync(root, 0o777);
      writeRootAttributes(root, label);
    });
    writeTapeLabel(request.tapeDir, label);
    return label;
  } catch (error) {
    eraseMedium(request.tapeDir);
    throw error;
  }
}
