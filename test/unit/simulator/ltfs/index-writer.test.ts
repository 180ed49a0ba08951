import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAttributeSync } from "@napi-rs/xattr";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeIndex } from "../../../../infra/simulator/ltfs/index-writer.ts";
import { treeDigest } from "../../../../infra/simulator/ltfs/medium-tree.ts";
import { recoverUnindexedData } from "../../../../infra/simulator/ltfs/recover-medium.ts";
import type { TapeLabel } from "../../../../infra/simulator/ltfs/tape-medium.ts";

/*
 * The index writer works on any directory with user xattrs and creation times (ext4 here), so
 * these tests run it on a plain temporary folder instead of a mounted medium.
 */
let root = "";
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "ltfs-index-test-"));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const FRESH: TapeLabel = {
  barcode: "IDX001L9",
  volumeSerial: "IDX001",
  volumeName: null,
  volumeUUID: "b89c501a-189b-494a-8573-7ad54b0f5ec9",
  formatTime: "2026-11-26T03:17:13.527352148Z",
  generation: 1,
  indexTime: "2026-11-26T03:17:13.527352148Z",
  indexPosition: 5,
  highestFileUID: 1,
  treeDigest: treeDigest([]),
  history: [
    {
      generation: 1,
      time: "2026-11-26T03:17:13.527352148Z",
      position: 5,
      previous: null,
      reason: "Format",
    },
  ],
};

function attribute(relative: string, name: string): string | null {
  return getAttributeSync(path.join(root, relative), `user.ltfs.${name}`)?.toString() ?? null;
}

function write(relative: string, bytes: number): void {
  fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  fs.writeFileSync(path.join(root, relative), Buffer.alloc(bytes, 1));
  // File times tick with the kernel's coarse clock (a few ms): files written within one tick tie
  // and are ordered by inode, which differs between folders. Apart, the write order is theirs.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

describe("writeIndex", () => {
  it("gives files their first 512 KiB block in write order, as in the real capture of fixture 04", () => {
    write("photos/2024/big5MB.bin", 5_000_000);
    write("photos/2024/exact1MiB.bin", 1_048_576);
    write("docs/empty.txt", 0);
    write("docs/café ñ.txt", 19);
    write("hello.txt", 11);
    const result = writeIndex(root, FRESH, { reason: "Unmount" });
    expect(result.written).toBe(true);
    expect(result.fileCount).toBe(5);
    // The same block numbers the real LTFS gave these files (big5MB 7, exact1MiB 17, hello 20).
    expect(attribute("photos/2024/big5MB.bin", "startblock")).toBe("7");
    expect(attribute("photos/2024/exact1MiB.bin", "startblock")).toBe("17");
    expect(attribute("docs/café ñ.txt", "startblock")).toBe("19");
    expect(attribute("hello.txt", "startblock")).toBe("20");
    expect(attribute("hello.txt", "partition")).toBe("b");
    expect(attribute("docs/empty.txt", "startblock")).toBeNull();
    expect(attribute("docs/empty.txt", "partition")).toBeNull();
    expect(attribute("docs", "startblock")).toBeNull();
    expect(attribute("docs", "fileUID")).not.toBeNull();
    expect(attribute("hello.txt", "volumeUUID")).toBe(FRESH.volumeUUID);
    expect(result.label).toMatchObject({ generation: 2, indexPosition: 22 });
    expect(result.label.history.at(-1)).toMatchObject({ generation: 2, position: 22, previous: 5 });
    expect(getAttributeSync(root, "user.ltfs.indexGeneration")?.toString()).toBe("2");
  });

  it("writes no new generation when nothing changed, and appends after the last index when something did", () => {
    write("a.bin", 600_000);
    const first = writeIndex(root, FRESH, { reason: "Unmount" }).label;
    expect(first).toMatchObject({ generation: 2, indexPosition: 10 });
    expect(writeIndex(root, first, { reason: "Unmount" })).toMatchObject({ written: false });

    write("b.txt", 1);
    const second = writeIndex(root, first, { reason: "Unmount" });
    expect(attribute("a.bin", "startblock")).toBe("7");
    expect(attribute("b.txt", "startblock")).toBe("12");
    expect(second.label).toMatchObject({ generation: 3, indexPosition: 14 });

    fs.rmSync(path.join(root, "b.txt"));
    expect(writeIndex(root, second.label, { reason: "Unmount" }).label).toMatchObject({
      generation: 4,
      indexPosition: 17,
    });
  });
});

describe("recoverUnindexedData", () => {
  it("drops what no index knows and keeps its blocks in _ltfs_lostandfound when asked", () => {
    write("kept.txt", 5);
    const indexed = writeIndex(root, FRESH, { reason: "Unmount" }).label;
    write("new/crash.bin", 700_000);
    const recovery = recoverUnindexedData(root, indexed, { keepBlocks: true });
    // kept.txt at block 7, its index at 9: the crashed session's data started at 11.
    expect(recovery).toEqual({ discardedFiles: 1, savedBlocks: 2, firstFreeBlock: 13 });
    expect(fs.readdirSync(root).sort()).toEqual(["_ltfs_lostandfound", "kept.txt"]);
    expect(fs.readdirSync(path.join(root, "_ltfs_lostandfound")).sort()).toEqual([
      "partition1_block11_524288bytes",
      "partition1_block12_175712bytes",
    ]);
  });
});
