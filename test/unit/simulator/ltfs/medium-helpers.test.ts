import { describe, expect, it } from "vitest";
import { bytesPerInode } from "../../../../infra/simulator/ltfs/format-medium.ts";
import { parseMountInfo } from "../../../../infra/simulator/ltfs/mount-info.ts";
import { formatRollbackPoints } from "../../../../infra/simulator/ltfs/rollback-points.ts";
import { ltfsSourceName } from "../../../../infra/simulator/ltfs/serve-volume.ts";
import type { TapeLabel } from "../../../../infra/simulator/ltfs/tape-medium.ts";
import { realRun } from "./real-ltfs-runs.ts";

describe("ltfsSourceName", () => {
  it("names the mount source as FUSE's fsname=ltfs:<devname> does", () => {
    expect(ltfsSourceName("/srv/sim/drives/0")).toBe("ltfs:/srv/sim/drives/0");
    expect(ltfsSourceName("/srv/sim//drives/./0/")).toBe("ltfs:/srv/sim/drives/0");
    expect(ltfsSourceName("TAPE070")).toBe("ltfs:TAPE070");
  });
});

describe("bytesPerInode", () => {
  it("keeps ext4's 16 KiB on small cartridges and caps the inode count on LTO-sized ones", () => {
    expect(bytesPerInode(1024 * 1024 * 1024)).toBe(16_384);
    const lto9 = 17_138_671_616 * 1024;
    expect(lto9 / bytesPerInode(lto9)).toBeLessThan(8_000_001);
  });
});

describe("parseMountInfo", () => {
  it("reads the mount id, device number, escaped mount point and source", () => {
    const line =
      "42 27 7:3 / /srv/sim/mnt/tape\\0400 rw,relatime shared:1 - ext4 ltfs:/srv/sim/drives/0 rw\n";
    expect(parseMountInfo(line)).toEqual([
      {
        mountId: 42,
        majorMinor: "7:3",
        mountPoint: "/srv/sim/mnt/tape 0",
        fsType: "ext4",
        source: "ltfs:/srv/sim/drives/0",
        readOnly: false,
      },
    ]);
  });
});

describe("formatRollbackPoints", () => {
  const label: TapeLabel = {
    barcode: "TAPE30L9",
    volumeSerial: "TAPE30",
    volumeName: null,
    volumeUUID: "9c717ffb-aaa7-4801-999b-f271239d5060",
    formatTime: "2026-11-26T03:18:39.392309867Z",
    generation: 3,
    indexTime: "2026-11-26T03:18:40.685166019Z",
    indexPosition: 14,
    highestFileUID: 3,
    treeDigest: "",
    history: [
      {
        generation: 1,
        time: "2026-11-26T03:18:39.394211171Z",
        position: 5,
        previous: null,
        reason: "Format",
      },
      {
        generation: 2,
        time: "2026-11-26T03:18:39.462055389Z",
        position: 9,
        previous: 5,
        reason: "Unmount",
      },
      {
        generation: 3,
        time: "2026-11-26T03:18:40.685166019Z",
        position: 14,
        previous: 9,
        reason: "Unmount",
      },
    ],
  };

  it("prints the table of `ltfsck -l` exactly as the real run did for the same index chain", () => {
    const real = realRun("08-ltfsck.txt", "ltfsck -e file -l /tmp/ltfs-tapes/TAPE030");
    expect(formatRollbackPoints(label, { full: false })).toBe(`${real.stdout}\n`);
  });

  it("adds creator, volume name and policy lines with -m, as `ltfsck -l -m` does", () => {
    const real = realRun("08-ltfsck.txt", "ltfsck -e file -l -m /tmp/ltfs-tapes/TAPE030");
    expect(formatRollbackPoints(label, { full: true })).toBe(`${real.stdout}\n`);
  });
});
