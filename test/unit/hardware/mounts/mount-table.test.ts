import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  findMount,
  isLtfsMount,
  MountTableUnparseableError,
  parseMountList,
  parseMountTable,
  readMountTable,
  umountOutcome,
} from "../../../../shared/hardware/mounts/index.ts";
import { readFixture, step } from "../ltfs/ltfs-captures.ts";

describe("parseMountTable", () => {
  it("reads an LTFS mount with the fuse.ltfs subtype (proc-mounts-ltfs-fuse-subtype-reconstructed.txt)", () => {
    const entries = parseMountTable(
      readFixture("real/mounts/proc-mounts-ltfs-fuse-subtype-reconstructed.txt"),
    );
    expect(entries).toEqual([
      {
        source: "ltfs:/dev/sg3",
        mountPoint: "/mnt/ltfs",
        fsType: "fuse.ltfs",
        options: [
          "rw",
          "nosuid",
          "nodev",
          "relatime",
          "user_id=0",
          "group_id=0",
          "default_permissions",
        ],
        readOnly: false,
      },
    ]);
    expect(entries.map(isLtfsMount)).toEqual([true]);
  });

  it("decodes the octal escapes the kernel writes for blanks and backslashes", () => {
    const [entry] = parseMountTable(
      "ltfs:/dev/sg3 /mnt/tape\\0400\\011x\\134y fuse.ltfs ro,nosuid 0 0\n",
    );
    expect(entry).toMatchObject({ mountPoint: "/mnt/tape 0\tx\\y", readOnly: true });
  });

  it("rejects a line that is not a mount table line", () => {
    expect(() => parseMountTable("garbage\n")).toThrow(MountTableUnparseableError);
    expect(() => parseMountTable("garbage\n")).toThrow(
      expect.objectContaining({ code: "MOUNT_TABLE_UNPARSEABLE" }),
    );
  });
});

describe("parseMountList", () => {
  it("reads `mount -l` with plain type fuse and an IBM lin_tape source (mount-l-ltfs-lin_tape-type-fuse-devcomment.txt)", () => {
    const entries = parseMountList(
      readFixture("real/mounts/mount-l-ltfs-lin_tape-type-fuse-devcomment.txt"),
    );
    expect(entries).toEqual([
      {
        source: "ltfs:/dev/IBMtape0",
        mountPoint: "/opt/VS/vsMounts/858ABUL5",
        fsType: "fuse",
        options: ["rw", "nosuid", "nodev", "default_permissions", "allow_other"],
        readOnly: false,
      },
    ]);
    expect(entries.map(isLtfsMount)).toEqual([true]);
  });

  it("reads the mounts of a captured LTFS session, including a relative devname (11-mount-options-readonly.txt)", () => {
    const ro = step(
      "11-mount-options-readonly.txt",
      "mount | grep ltfs; touch /tmp/ltfs-mnt/x; echo rc=$?",
    );
    const relative = step(
      "11-mount-options-readonly.txt",
      "cd /tmp/ltfs-tapes && ltfs -o tape_backend=file -o devname=TAPE070 /tmp/ltfs-mnt && mount | grep ltfs",
    );
    expect(parseMountList(ro.stdout.split("\n")[0] ?? "")[0]).toMatchObject({
      source: "ltfs:/tmp/ltfs-tapes/TAPE070",
      readOnly: true,
    });
    const [entry] = parseMountList(relative.stdout);
    expect(entry).toMatchObject({
      source: "ltfs:TAPE070",
      mountPoint: "/tmp/ltfs-mnt",
      fsType: "fuse",
    });
    expect(entry && isLtfsMount(entry)).toBe(true);
  });
});

describe("findMount", () => {
  const table = parseMountTable(
    [
      "/dev/sda1 / ext4 rw,relatime 0 0",
      "ltfs:/dev/sg3 /mnt/ltfs fuse.ltfs rw,nosuid,nodev 0 0",
      "ltfs:/dev/sg4 /mnt/ltfs fuse.ltfs ro,nosuid,nodev 0 0",
      "",
    ].join("\n"),
  );

  it("finds the mount on top when two are stacked, ignoring a trailing slash", () => {
    expect(findMount(table, "/mnt/ltfs/")?.source).toBe("ltfs:/dev/sg4");
  });

  it("does not take a parent file system for a folder inside it", () => {
    expect(findMount(table, "/mnt")).toBeNull();
    expect(findMount(table, "/")?.fsType).toBe("ext4");
  });

  it("does not count other file systems as LTFS", () => {
    expect(table.map(isLtfsMount)).toEqual([false, true, true]);
  });
});

describe("readMountTable", () => {
  it("reads a mount table file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-mounts-"));
    try {
      const file = path.join(dir, "mounts");
      fs.writeFileSync(
        file,
        readFixture("real/mounts/proc-mounts-ltfs-fuse-subtype-reconstructed.txt"),
      );
      expect((await readMountTable(file)).map((e) => e.mountPoint)).toEqual(["/mnt/ltfs"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads this machine's /proc/mounts by default", async () => {
    const entries = await readMountTable();
    expect(findMount(entries, "/proc")?.fsType).toBe("proc");
  });
});

describe("umountOutcome", () => {
  it("recognises util-linux's busy message (umount-target-is-busy-util-linux-hint-TRUNCATED.txt)", () => {
    const stderr = readFixture("real/umount/umount-target-is-busy-util-linux-hint-TRUNCATED.txt");
    expect(umountOutcome({ exitCode: 32, stderr })).toEqual({
      kind: "busy",
      message: "umount: /mnt/testfs: target is busy.",
    });
  });

  it("recognises umount.nfs's busy message (umount-nfs-device-is-busy.txt)", () => {
    const stderr = readFixture("real/umount/umount-nfs-device-is-busy.txt");
    // The source does not show the exit code; any failure status will do.
    expect(umountOutcome({ exitCode: 32, stderr }).kind).toBe("busy");
  });

  it("recognises 'not mounted' (06-mount-twice.txt)", () => {
    const run = step("06-mount-twice.txt", "mount | grep ltfs; umount /tmp/ltfs-mnt");
    expect(umountOutcome(run)).toEqual({
      kind: "not-mounted",
      message: "umount: /tmp/ltfs-mnt: not mounted.",
    });
  });

  it("takes exit 0 as unmounted (04-mount-copy-xattr-umount-remount.txt)", () => {
    expect(
      umountOutcome(step("04-mount-copy-xattr-umount-remount.txt", "umount /tmp/ltfs-mnt")).kind,
    ).toBe("unmounted");
  });
});
