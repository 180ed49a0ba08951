import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setAttribute } from "@napi-rs/xattr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CopyResult,
  copyFolderToTape,
  type RestoreEntry,
  readManifest,
  restoreFolderFromTape,
  restoreOwnerMarker,
  restorePackedFolderFromTape,
} from "../../../services/ltfs/engine/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { writeUserXattrsIfSupported } from "../../../shared/xattrs/index.ts";
import { restorableView, snapshotTree, writeRandomFile } from "./tree-snapshot.ts";

/*
 * A restore onto a file system that keeps no `user.*` extended attributes (NFSv3, vfat; here a
 * ramfs, which has none) restores the data, plain or packed, and counts what it could not give
 * its attributes, for the job's summary to warn about; it does not fail for every file with some.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-restore-noxattrs-"));
const source = path.join(root, "source");
const noXattrs = path.join(root, "ramfs");
let archived: CopyResult;
/** The same folder packed as prepare packs it (user attributes inside), on the tape. */
let packed: CopyResult;

beforeAll(async () => {
  writeRandomFile(path.join(source, "notes.txt"), 1000);
  writeRandomFile(path.join(source, "data", "big.bin"), 512 * 1024 + 1);
  writeRandomFile(path.join(source, "plain.txt"), 10);
  await setAttribute(path.join(source, "notes.txt"), "user.comment", "measured on 3 March");
  await setAttribute(path.join(source, "data", "big.bin"), "user.x", "1");
  await setAttribute(path.join(source, "data"), "user.comment", "raw data");
  await setAttribute(source, "user.project", "ada");
  fs.mkdirSync(path.join(root, "tape"));
  archived = await copyFolderToTape({
    source,
    destination: path.join(root, "tape", "folder"),
    description: "x",
  });
  const packs = path.join(root, "packs");
  fs.mkdirSync(packs);
  expectExit(
    await runCommand("tar", [
      "--create",
      "--zstd",
      "--format=posix",
      "--xattrs",
      "--xattrs-include=user.*",
      `--file=${path.join(packs, "source.tar.zst")}`,
      `--directory=${root}`,
      "--",
      "source",
    ]),
  );
  packed = await copyFolderToTape({
    source: packs,
    destination: path.join(root, "tape", "packed"),
    description: "x",
    compression: "zstd",
  });
  fs.mkdirSync(noXattrs);
  expectExit(await runCommand("mount", ["-t", "ramfs", "pytarchive-test", noXattrs]));
}, 30_000);

afterAll(async () => {
  await runCommand("umount", [noXattrs]);
  fs.rmSync(root, { recursive: true, force: true });
});

async function request(target: string, owner: string) {
  const manifest = await readManifest(archived.manifestPath);
  return {
    folderOnTape: archived.destination,
    target,
    owner,
    entries: manifest.entries.map(
      (entry): RestoreEntry => ({ ...entry, startBlock: null, partition: null }),
    ),
    rootXattrs: manifest.folder.xattrs ?? null,
  };
}

describe("a restore onto a file system without user extended attributes", () => {
  it("is told so by writeUserXattrsIfSupported, not thrown at", async () => {
    const file = path.join(noXattrs, "probe.txt");
    fs.writeFileSync(file, "x");
    expect(await writeUserXattrsIfSupported(file, { "user.a": "MQ==" })).toBe(false);
    const elsewhere = path.join(root, "probe.txt");
    fs.writeFileSync(elsewhere, "x");
    expect(await writeUserXattrsIfSupported(elsewhere, { "user.a": "MQ==" })).toBe(true);
  });

  it("restores the data and counts the files and folders left without their attributes", async () => {
    const target = path.join(noXattrs, "restored");
    const result = await restoreFolderFromTape(await request(target, "0badd001"));
    expect(result.files).toBe(3);
    // notes.txt, data/big.bin, data and the folder itself.
    expect(result.xattrsNotRestored).toBe(4);
    // Attributes aside (restorableView leaves them out), the tree is the original.
    expect(restorableView(snapshotTree(target))).toEqual(restorableView(snapshotTree(source)));
    expect(fs.existsSync(path.join(target, restoreOwnerMarker("0badd001")))).toBe(false);

    // Run again (its end not reported): the tree is its own, done; the count is the root's.
    const again = await restoreFolderFromTape(await request(target, "0badd001"));
    expect(again.files).toBe(3);
    expect(again.xattrsNotRestored).toBe(1);
  });

  it("unpacks a packed folder's data and counts the attributes tar could not set", async () => {
    const target = path.join(noXattrs, "unpacked");
    const scratch = path.join(root, "scratch");
    fs.mkdirSync(scratch, { recursive: true });
    const result = await restorePackedFolderFromTape({
      folderOnTape: packed.destination,
      target,
      scratchDir: scratch,
      compression: "zstd",
      archiveTop: "source",
      owner: "0badd002",
      entries: packed.files.map(
        (file): RestoreEntry => ({ ...file, startBlock: null, partition: null }),
      ),
    });
    // notes.txt, data/big.bin and data (the top folder's own are not unpacked into the target).
    expect(result.xattrsNotRestored).toBe(3);
    for (const file of ["notes.txt", "data/big.bin", "plain.txt"]) {
      expect(fs.readFileSync(path.join(target, file))).toEqual(
        fs.readFileSync(path.join(source, file)),
      );
    }
  });
});
