import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CopyResult,
  copyFolderToTape,
  type ManifestEntry,
  MISMATCH_SUFFIX,
  RestoreChecksumMismatchError,
  readManifest,
  restoreFolderFromTape,
  restorePackedFolderFromTape,
} from "../../../services/ltfs/engine/index.ts";
import {
  readStartBlocks,
  verifyFolderOnTape,
} from "../../../services/verification/engine/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import {
  ageTree,
  restorableView,
  type SnapshotEntry,
  snapshotTree,
  writeRandomFile,
} from "../../unit/engine/tree-snapshot.ts";
import { type MountedSimulatedTape, mountSimulatedTape } from "./simulated-tape.ts";

/**
 * The data path of archive, verify and restore on a simulated library, through the same
 * adapters the services use: a folder goes onto an LTFS tape, is read back after the index is
 * written, and comes back equal to the original, which nothing changed.
 */

const MiB = 1024 * 1024;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-engine-it-"));
const source = path.join(work, "projects", "ada", "thesis");
const NAME = "projects_ada_thesis";
let tape: MountedSimulatedTape;
let folderOnTape: string;
let archived: CopyResult;
let sourceBefore: SnapshotEntry[];

function makeSampleTree(root: string): void {
  writeRandomFile(path.join(root, "data", "raw", "scan-01.bin"), 24 * MiB);
  writeRandomFile(path.join(root, "data", "raw", "scan-02.bin"), 40 * MiB + 123);
  for (let index = 0; index < 300; index++) {
    const size = 1024 + ((index * 7919) % (20 * 1024));
    writeRandomFile(
      path.join(root, "data", "small", String(index % 10), `file-${index}.dat`),
      size,
    );
  }
  fs.writeFileSync(path.join(root, "empty.txt"), "");
  fs.writeFileSync(path.join(root, "data", "small", "0", "empty.dat"), "");
  fs.mkdirSync(path.join(root, "data", "empty folder"));
  writeRandomFile(path.join(root, "docs", "readme.txt"), 2048);
  writeRandomFile(path.join(root, "docs", "deep", "er", "notes with spaces.md"), 5000);
  writeRandomFile(path.join(root, "Résumé – ünïcødé.txt"), 777);
  writeRandomFile(path.join(root, "日本語", "ファイル 名.txt"), 4321);
  writeRandomFile(path.join(root, ".cache", "pip", "wheel.whl"), 50_000);
  writeRandomFile(path.join(root, "src", ".cache", "keep.txt"), 12);
  fs.symlinkSync("data/raw", path.join(root, "latest"));
  fs.chmodSync(path.join(root, "docs", "readme.txt"), 0o600);
  fs.chmodSync(path.join(root, "data", "raw", "scan-01.bin"), 0o444);
  fs.chmodSync(path.join(root, "docs", "deep"), 0o555);
  fs.chmodSync(path.join(root, "日本語"), 0o750);
  ageTree(root);
}

/** The source as a restore must reproduce it: without the excluded `.cache`. */
function expectedRestore() {
  return restorableView(snapshotTree(source)).filter(
    (entry) => entry.path !== ".cache" && !entry.path.startsWith(".cache/"),
  );
}

beforeAll(async () => {
  makeSampleTree(source);
  sourceBefore = snapshotTree(source);
  tape = await mountSimulatedTape({ capacityMiB: 384 });
  folderOnTape = path.join(tape.mountPoint, NAME);
}, 180_000);

afterAll(async () => {
  await tape?.dispose();
  fs.rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("archive, verify and restore on a simulated LTFS tape", () => {
  it("copies the folder onto the mounted tape, honouring excludes, with the manifest beside it", async () => {
    archived = await copyFolderToTape({
      source,
      destination: folderOnTape,
      exclude: [".cache"],
      description: "Ada's thesis",
    });
    expect(archived.files).toHaveLength(309);
    expect(archived.bytes).toBe(
      sourceBefore
        .filter((entry) => entry.type === "file" && !entry.path.startsWith(".cache/"))
        .reduce((sum, entry) => sum + entry.size, 0),
    );
    expect(archived.excluded).toEqual([".cache"]);
    expect(fs.readdirSync(tape.mountPoint).sort()).toEqual([NAME, `${NAME}.manifest.json`]);
    expect(fs.existsSync(path.join(folderOnTape, ".cache"))).toBe(false);
    expect(fs.existsSync(path.join(folderOnTape, "src", ".cache", "keep.txt"))).toBe(true);
    expect(fs.readlinkSync(path.join(folderOnTape, "latest"))).toBe("data/raw");
  });

  it("after unmount (index written) and remount, files carry start blocks in manifest order", async () => {
    await tape.drive.unmount();
    await tape.drive.mount();
    const manifest = await readManifest(`${folderOnTape}.manifest.json`);
    expect(manifest.entries).toEqual(archived.entries);
    expect(manifest.folder).toMatchObject({ name: NAME, originalPath: source });
    const placed = await readStartBlocks(folderOnTape, manifest.entries);
    const files = placed.filter((entry) => entry.type === "file");
    const withData = files.filter((entry) => entry.size > 0);
    const blocks = withData.map((entry) => entry.startBlock as number);
    expect(withData.every((entry) => entry.partition === "b")).toBe(true);
    expect(blocks.every(Number.isInteger)).toBe(true);
    // One file after the other, in the order of the manifest: the tape streamed.
    expect(blocks).toEqual([...blocks].sort((a, b) => a - b));
    expect(files.filter((entry) => entry.size === 0).map((entry) => entry.startBlock)).toEqual([
      null,
      null,
    ]);
  });

  it("reads every file back from the tape and finds the folder as archived", async () => {
    const manifest = await readManifest(`${folderOnTape}.manifest.json`);
    const report = await verifyFolderOnTape({ folderOnTape, expected: manifest.entries });
    expect(report).toMatchObject({ ok: true, mismatches: [], filesChecked: 309 });
    expect(report.bytesChecked).toBe(archived.bytes);
  });

  it("restores into a new folder in start-block order, equal to the source", async () => {
    const manifest = await readManifest(`${folderOnTape}.manifest.json`);
    const placed = await readStartBlocks(folderOnTape, manifest.entries);
    const target = path.join(work, "restored", "whole");
    const readOrder: string[] = [];
    await restoreFolderFromTape({
      folderOnTape,
      target,
      // Handed over backwards: the order must come from the start blocks, not the list.
      entries: [...placed].reverse(),
      onProgress: (progress) => {
        if (progress.path !== null && readOrder.at(-1) !== progress.path) {
          readOrder.push(progress.path);
        }
      },
    });
    const byBlock = placed
      .filter((entry) => entry.type === "file" && entry.startBlock !== null)
      .sort((a, b) => (a.startBlock as number) - (b.startBlock as number))
      .map((entry) => entry.path);
    const emptyLast = placed
      .filter((entry) => entry.type === "file" && entry.startBlock === null)
      .reverse()
      .map((entry) => entry.path);
    expect(readOrder).toEqual([...byBlock, ...emptyLast]);
    expect(restorableView(snapshotTree(target))).toEqual(expectedRestore());
    const restoredRoot = fs.statSync(target, { bigint: true }).mtimeNs;
    expect(restoredRoot / 1000n).toBe(fs.statSync(source, { bigint: true }).mtimeNs / 1000n);
  });

  it("restores one subfolder's contents directly into the target, as the original did", async () => {
    const manifest = await readManifest(`${folderOnTape}.manifest.json`);
    const target = path.join(work, "restored", "subfolder");
    await restoreFolderFromTape({
      folderOnTape,
      target,
      subfolder: "docs/deep",
      entries: await readStartBlocks(folderOnTape, manifest.entries),
    });
    expect(restorableView(snapshotTree(target))).toEqual(
      restorableView(snapshotTree(path.join(source, "docs/deep"))),
    );
  });

  it("refuses a subfolder that is a file", async () => {
    const manifest = await readManifest(`${folderOnTape}.manifest.json`);
    const file = manifest.entries.find(
      (entry) => entry.type === "file" && entry.path.includes("/"),
    );
    await expect(
      restoreFolderFromTape({
        folderOnTape,
        target: path.join(work, "restored", "a-file"),
        subfolder: file?.path ?? "",
        entries: manifest.entries.map(unplaced),
      }),
    ).rejects.toThrow(/is a file, not a folder/);
    expect(fs.existsSync(path.join(work, "restored", "a-file"))).toBe(false);
  });

  it("refuses to restore into a folder that is not empty, and writes nothing", async () => {
    const target = path.join(work, "restored", "occupied");
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, "someone-elses.txt"), "keep me");
    const manifest = await readManifest(`${folderOnTape}.manifest.json`);
    await expect(
      restoreFolderFromTape({ folderOnTape, target, entries: manifest.entries.map(unplaced) }),
    ).rejects.toMatchObject({
      code: "TARGET_NOT_EMPTY",
      message: `The restore target ${target} is not empty; nothing was restored.`,
    });
    expect(fs.readdirSync(target)).toEqual(["someone-elses.txt"]);
  });

  it("restores a compressed folder, one tar.zst on the tape, back into a folder", async () => {
    const scratch = path.join(work, "scratch");
    const packed = path.join(scratch, "packed");
    fs.mkdirSync(packed, { recursive: true });
    const top = path.basename(source);
    // The layout prepare packs: the folder's own name at the top, excludes as exact paths.
    expectExit(
      await runCommand("tar", [
        "--create",
        `--file=${path.join(packed, `${NAME}.tar.zst`)}`,
        "--format=posix",
        // Like our own reads, leave the originals' access times alone (O_NOATIME).
        "--atime-preserve=system",
        "--zstd",
        `--directory=${path.dirname(source)}`,
        "--anchored",
        "--no-wildcards",
        `--exclude=${top}/.cache`,
        "--",
        top,
      ]),
    );
    const packedOnTape = path.join(tape.mountPoint, `${NAME}_packed`);
    await copyFolderToTape({
      source: packed,
      destination: packedOnTape,
      description: "Ada's thesis, packed",
      originalPath: source,
      compression: "zstd",
    });
    const manifest = await readManifest(`${packedOnTape}.manifest.json`);
    expect(manifest.folder).toMatchObject({ compression: "zstd", originalPath: source });
    const target = path.join(work, "restored", "from-packed");
    await restorePackedFolderFromTape({
      folderOnTape: packedOnTape,
      target,
      entries: await readStartBlocks(packedOnTape, manifest.entries),
      scratchDir: scratch,
      compression: manifest.folder.compression,
      archiveTop: path.basename(manifest.folder.originalPath),
    });
    expect(restorableView(snapshotTree(target))).toEqual(expectedRestore());
    expect(fs.readdirSync(scratch)).toEqual(["packed"]);
  });

  it("catches a file changed on the tape after archiving, in verify and in restore", async () => {
    const changed = "data/raw/scan-02.bin";
    const onTape = path.join(folderOnTape, changed);
    const fd = fs.openSync(onTape, "r+");
    fs.writeSync(fd, Buffer.from("tampered"), 0, 8, 20 * MiB);
    fs.closeSync(fd);
    const manifest = await readManifest(`${folderOnTape}.manifest.json`);
    const archivedSha = manifest.entries.find((entry) => entry.path === changed)?.sha256;

    const report = await verifyFolderOnTape({ folderOnTape, expected: manifest.entries });
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([
      {
        path: changed,
        problem: "checksum",
        expected: archivedSha,
        actual: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);

    const target = path.join(work, "restored", "after-tampering");
    const error = await restoreFolderFromTape({
      folderOnTape,
      target,
      entries: await readStartBlocks(folderOnTape, manifest.entries),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RestoreChecksumMismatchError);
    const mismatch = error as RestoreChecksumMismatchError;
    expect(mismatch.code).toBe("RESTORE_CHECKSUM_MISMATCH");
    expect(mismatch.message).toContain(changed);
    expect(mismatch.mismatches).toEqual([
      {
        path: changed,
        expected: archivedSha,
        actual: report.mismatches[0]?.actual,
        keptAs: path.join(target, `${changed}${MISMATCH_SUFFIX}`),
      },
    ]);
    // Nothing under the original name claims to be the file; everything else came back.
    expect(fs.existsSync(path.join(target, changed))).toBe(false);
    const restoredFiles = snapshotTree(target).filter((entry) => entry.type === "file");
    expect(restoredFiles).toHaveLength(309);
  });

  it("left the source tree byte for byte as it was, times and inodes included", () => {
    expect(snapshotTree(source)).toEqual(sourceBefore);
  });
});

function unplaced(entry: ManifestEntry) {
  return { ...entry, startBlock: null, partition: null };
}

describe("a tape that fills up during the copy", () => {
  let small: MountedSimulatedTape;
  const full = path.join(work, "too-big");

  beforeAll(async () => {
    writeRandomFile(path.join(full, "a.bin"), 20 * MiB);
    writeRandomFile(path.join(full, "b.bin"), 20 * MiB);
    writeRandomFile(path.join(full, "c.bin"), 20 * MiB);
    small = await mountSimulatedTape({ capacityMiB: 48, barcode: "ENG002L9" });
  }, 180_000);

  afterAll(async () => {
    await small?.dispose();
  }, 60_000);

  it("fails with ARCHIVE_TAPE_FULL and leaves the partial folder without a manifest", async () => {
    const destination = path.join(small.mountPoint, "too-big");
    const before = snapshotTree(full);
    const error = await copyFolderToTape({ source: full, destination, description: "x" }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "ARCHIVE_TAPE_FULL",
      partial: { destination, filesTotal: 3, bytesTotal: 60 * MiB },
    });
    const partial = (error as { partial: { filesWritten: number; bytesWritten: number } }).partial;
    expect(partial.filesWritten).toBeLessThan(3);
    expect(partial.bytesWritten).toBeLessThan(60 * MiB);
    expect((error as Error).message).toContain("is incomplete and has no manifest");
    expect(fs.existsSync(destination)).toBe(true);
    expect(fs.existsSync(`${destination}.manifest.json`)).toBe(false);
    expect(snapshotTree(full)).toEqual(before);
  });
});
