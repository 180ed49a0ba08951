import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setAttribute } from "@napi-rs/xattr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CopyResult, copyFolderToTape } from "../../../services/ltfs/engine/index.ts";
import {
  readStartBlocks,
  VerifyFolderMissingError,
  verifyFolderOnTape,
} from "../../../services/verification/engine/index.ts";
import { writeRandomFile } from "./tree-snapshot.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-verify-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const source = path.join(root, "source");
let copies = 0;
let archived: CopyResult;

beforeAll(async () => {
  writeRandomFile(path.join(source, "a.txt"), 4000);
  writeRandomFile(path.join(source, "sub", "b.bin"), 3 * 1024 * 1024 + 5);
  writeRandomFile(path.join(source, "sub", "c.txt"), 10);
  fs.writeFileSync(path.join(source, "empty"), "");
  fs.mkdirSync(path.join(source, "dir"));
  fs.symlinkSync("sub/c.txt", path.join(source, "link"));
  archived = await copyFolderToTape({
    source,
    destination: path.join(root, "reference"),
    description: "x",
  });
});

/** A fresh copy of the archived folder, to damage in one way. */
async function copyOnTape(): Promise<string> {
  copies += 1;
  const result = await copyFolderToTape({
    source,
    destination: path.join(root, `tape-${copies}`),
    description: "x",
  });
  return result.destination;
}

function flipByte(file: string, offset: number) {
  const fd = fs.openSync(file, "r+");
  const byte = Buffer.alloc(1);
  fs.readSync(fd, byte, 0, 1, offset);
  byte[0] = (byte[0] as number) ^ 0xff;
  fs.writeSync(fd, byte, 0, 1, offset);
  fs.closeSync(fd);
}

describe("verifyFolderOnTape", () => {
  it("passes an exact copy, having read every byte of every file", async () => {
    const report = await verifyFolderOnTape({
      folderOnTape: archived.destination,
      expected: archived.entries,
    });
    expect(report).toMatchObject({ ok: true, mismatches: [], filesChecked: 4 });
    expect(report.bytesChecked).toBe(archived.bytes);
  });

  it("finds a changed byte in a small file and in a large one, with both checksums", async () => {
    const folder = await copyOnTape();
    flipByte(path.join(folder, "a.txt"), 1234);
    flipByte(path.join(folder, "sub", "b.bin"), 3 * 1024 * 1024);
    const report = await verifyFolderOnTape({
      folderOnTape: folder,
      expected: archived.entries,
      reading: { smallFileBytes: 1024 * 1024 },
    });
    const byPath = new Map(archived.files.map((file) => [file.path, file.sha256]));
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([
      {
        path: "a.txt",
        problem: "checksum",
        expected: byPath.get("a.txt"),
        actual: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      {
        path: "sub/b.bin",
        problem: "checksum",
        expected: byPath.get("sub/b.bin"),
        actual: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(report.mismatches[0]?.actual).not.toBe(byPath.get("a.txt"));
  });

  it("reports missing, truncated, grown, extra, retyped and relinked entries", async () => {
    const folder = await copyOnTape();
    fs.rmSync(path.join(folder, "sub", "c.txt"));
    fs.truncateSync(path.join(folder, "a.txt"), 100);
    fs.appendFileSync(path.join(folder, "empty"), "now with content");
    fs.writeFileSync(path.join(folder, "stray.tmp"), "not archived");
    fs.rmdirSync(path.join(folder, "dir"));
    fs.writeFileSync(path.join(folder, "dir"), "a file where a folder was");
    fs.rmSync(path.join(folder, "link"));
    fs.symlinkSync("elsewhere", path.join(folder, "link"));
    const report = await verifyFolderOnTape({ folderOnTape: folder, expected: archived.entries });
    expect(report.mismatches).toEqual([
      { path: "dir", problem: "type", expected: "directory", actual: "file" },
      { path: "link", problem: "link-target", expected: "sub/c.txt", actual: "elsewhere" },
      { path: "sub/c.txt", problem: "missing", expected: "file", actual: null },
      { path: "a.txt", problem: "size", expected: 4000, actual: 100 },
      { path: "empty", problem: "size", expected: 0, actual: 16 },
      { path: "stray.tmp", problem: "extra", expected: null, actual: "file" },
    ]);
  });

  it("refuses a folder that is not on the tape at all", async () => {
    await expect(
      verifyFolderOnTape({ folderOnTape: path.join(root, "not-here"), expected: [] }),
    ).rejects.toBeInstanceOf(VerifyFolderMissingError);
    await expect(
      verifyFolderOnTape({ folderOnTape: path.join(root, "not-here"), expected: [] }),
    ).rejects.toMatchObject({ code: "VERIFY_FOLDER_MISSING" });
  });

  it("stops when aborted, concluding nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      verifyFolderOnTape({
        folderOnTape: archived.destination,
        expected: archived.entries,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: "VERIFY_ABORTED" });
  });
});

describe("readStartBlocks", () => {
  it("adds user.ltfs.startblock and partition, and null where they are missing", async () => {
    const folder = await copyOnTape();
    await setAttribute(path.join(folder, "a.txt"), "user.ltfs.startblock", "42");
    await setAttribute(path.join(folder, "a.txt"), "user.ltfs.partition", "b");
    await setAttribute(path.join(folder, "sub", "b.bin"), "user.ltfs.startblock", "7");
    await setAttribute(path.join(folder, "sub", "b.bin"), "user.ltfs.partition", "b");
    const placed = await readStartBlocks(folder, archived.entries);
    expect(
      placed.map((entry) => [entry.path, entry.type, entry.startBlock, entry.partition]),
    ).toEqual([
      ["a.txt", "file", 42, "b"],
      ["dir", "directory", null, null],
      ["empty", "file", null, null],
      ["link", "symlink", null, null],
      ["sub", "directory", null, null],
      ["sub/b.bin", "file", 7, "b"],
      ["sub/c.txt", "file", null, null],
    ]);
    expect(placed[0]).toMatchObject({ sha256: archived.entries[0]?.sha256, size: 4000 });
  });
});
