import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CopyResult,
  copyFolderToTape,
  MISMATCH_SUFFIX,
  RestoreAbortedError,
  type RestoreEntry,
  restoreFolderFromTape,
  restoreOwnerMarker,
} from "../../../services/ltfs/engine/index.ts";
import { sharedFilePool } from "../../../shared/data-path/index.ts";
import { recordingPool } from "./recording-pool.ts";
import { restorableView, snapshotTree, writeRandomFile } from "./tree-snapshot.ts";

/*
 * A restore interrupted in the middle and run again by the same job continues into its own
 * target: complete files are kept, a truncated one is written again, and the tree ends equal to
 * the original. A target that holds anything else is still refused.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-restore-resume-"));
const source = path.join(root, "source");
let archived: CopyResult;
let targets = 0;
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  writeRandomFile(path.join(source, "big", "first.bin"), 3 * 1024 * 1024 + 5);
  writeRandomFile(path.join(source, "big", "second.bin"), 3 * 1024 * 1024 + 7);
  for (let index = 0; index < 20; index++) {
    writeRandomFile(path.join(source, "small", `f${index}.txt`), 100 + index);
  }
  fs.symlinkSync("small/f1.txt", path.join(source, "link"));
  fs.chmodSync(path.join(source, "small", "f3.txt"), 0o400);
  fs.utimesSync(path.join(source, "small"), 1_500_000_000, 1_500_000_000.25);
  fs.mkdirSync(path.join(root, "tape"));
  archived = await copyFolderToTape({
    source,
    destination: path.join(root, "tape", "folder"),
    description: "x",
  });
}, 30_000);

function nextTarget(): string {
  targets += 1;
  return path.join(root, `target-${targets}`);
}

function entries(): RestoreEntry[] {
  return archived.entries.map((entry) => ({ ...entry, startBlock: null, partition: null }));
}

/** Starts a restore as job `owner` and stops it while the second large file is being written. */
async function interruptedRestore(target: string, owner: string): Promise<void> {
  const controller = new AbortController();
  const error = await restoreFolderFromTape({
    folderOnTape: archived.destination,
    target,
    entries: entries(),
    owner,
    chunkBytes: 64 * 1024,
    signal: controller.signal,
    onProgress: (progress) => {
      if (progress.path === "big/second.bin" && progress.bytesDone > 4 * 1024 * 1024) {
        controller.abort();
      }
    },
  }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RestoreAbortedError);
}

describe("a restore run again by the same job", () => {
  it("continues into its own target and ends with the original tree, marker gone", async () => {
    const target = nextTarget();
    await interruptedRestore(target, "0badcafe");
    const partial = fs.statSync(path.join(target, "big", "second.bin"));
    expect(partial.size).toBeLessThan(3 * 1024 * 1024);
    expect(fs.existsSync(path.join(target, restoreOwnerMarker("0badcafe")))).toBe(true);
    const firstIno = fs.statSync(path.join(target, "big", "first.bin")).ino;

    const result = await restoreFolderFromTape({
      folderOnTape: archived.destination,
      target,
      entries: entries(),
      owner: "0badcafe",
    });

    expect(result.files).toBe(archived.files.length);
    expect(restorableView(snapshotTree(target))).toEqual(restorableView(snapshotTree(source)));
    // The complete file was kept, not read from the tape again.
    expect(fs.statSync(path.join(target, "big", "first.bin")).ino).toBe(firstIno);
  });

  it("writes again a complete-looking file whose content is not the archived one", async () => {
    const target = nextTarget();
    await interruptedRestore(target, "0badcaf1");
    const damaged = path.join(target, "big", "first.bin");
    const handle = fs.openSync(damaged, "r+");
    fs.writeSync(handle, Buffer.from("XX"), 0, 2, 1000);
    fs.closeSync(handle);

    await restoreFolderFromTape({
      folderOnTape: archived.destination,
      target,
      entries: entries(),
      owner: "0badcaf1",
    });
    expect(restorableView(snapshotTree(target))).toEqual(restorableView(snapshotTree(source)));
  });

  it("run again after it finished (the end not reported), finds its tree complete and ends", async () => {
    const target = nextTarget();
    const run = () =>
      restoreFolderFromTape({
        folderOnTape: archived.destination,
        target,
        entries: entries(),
        owner: "0badcaf5",
      });
    await run();
    expect(fs.existsSync(path.join(target, restoreOwnerMarker("0badcaf5")))).toBe(false);
    // Nothing is written again (only read: access times aside, every entry stays as it was).
    const unchanged = () => snapshotTree(target).map(({ atimeNs: _, ...entry }) => entry);
    const before = unchanged();

    const again = await run();
    expect(again.files).toBe(archived.files.length);
    expect(unchanged()).toEqual(before);

    // Anything else in it, and it is not this job's tree any more: refused, left alone.
    fs.writeFileSync(path.join(target, "small", "new.txt"), "someone's");
    await expect(run()).rejects.toMatchObject({ code: "TARGET_NOT_EMPTY" });
    expect(fs.readFileSync(path.join(target, "small", "new.txt"), "utf8")).toBe("someone's");
  });

  it("checks what a run before left with the job's signal on every hash (an abort stops it)", async () => {
    const recording = recordingPool(sharedFilePool());
    const controller = new AbortController();
    const run = (target: string) =>
      restoreFolderFromTape({
        folderOnTape: archived.destination,
        target,
        entries: entries(),
        owner: "0badcaf6",
        signal: controller.signal,
        pool: recording.pool,
      });
    // Interrupted: complete files are hashed before they are kept.
    const interrupted = nextTarget();
    await interruptedRestore(interrupted, "0badcaf6");
    await run(interrupted);
    // Finished, the end not reported: every file of the tree is hashed.
    const finished = nextTarget();
    await run(finished);
    await run(finished);
    const hashes = recording.asked.filter((task) => task.kind === "hash-file");
    expect(hashes.length).toBeGreaterThan(0);
    for (const task of hashes) expect(task.options?.signal).toBe(controller.signal);
  });

  it("requeued after it failed on a damaged file, ends with the original tree once it reads right", async () => {
    const target = nextTarget();
    const onTape = path.join(archived.destination, "small", "f5.txt");
    const good = fs.readFileSync(onTape);
    const stats = fs.statSync(onTape);
    fs.writeFileSync(onTape, Buffer.from(good).fill(0x21, 0, 4));
    fs.utimesSync(onTape, stats.atime, stats.mtime);
    const run = () =>
      restoreFolderFromTape({
        folderOnTape: archived.destination,
        target,
        entries: entries(),
        owner: "0badcaf6",
      });
    try {
      await expect(run()).rejects.toMatchObject({ code: "RESTORE_CHECKSUM_MISMATCH" });
      expect(fs.existsSync(path.join(target, "small", `f5.txt${MISMATCH_SUFFIX}`))).toBe(true);
    } finally {
      fs.writeFileSync(onTape, good);
      fs.utimesSync(onTape, stats.atime, stats.mtime);
    }

    await run();
    expect(restorableView(snapshotTree(target))).toEqual(restorableView(snapshotTree(source)));
  });

  it("stops, deleting nothing, where someone put a folder at a file's path in its target", async () => {
    const target = nextTarget();
    await interruptedRestore(target, "0badcaf7");
    // The truncated file's place is taken by someone's folder with a file in it.
    const occupied = path.join(target, "big", "second.bin");
    fs.rmSync(occupied);
    fs.mkdirSync(occupied);
    fs.writeFileSync(path.join(occupied, "theirs.txt"), "someone's");

    const error = await restoreFolderFromTape({
      folderOnTape: archived.destination,
      target,
      entries: entries(),
      owner: "0badcaf7",
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "RESTORE_PATH_OCCUPIED", path: occupied });
    expect((error as Error).message).toContain(occupied);
    expect(fs.readFileSync(path.join(occupied, "theirs.txt"), "utf8")).toBe("someone's");
    // Still this job's target: once the folder is moved away, a requeue finishes it.
    expect(fs.existsSync(path.join(target, restoreOwnerMarker("0badcaf7")))).toBe(true);
    fs.rmSync(occupied, { recursive: true });
    await restoreFolderFromTape({
      folderOnTape: archived.destination,
      target,
      entries: entries(),
      owner: "0badcaf7",
    });
    expect(restorableView(snapshotTree(target))).toEqual(restorableView(snapshotTree(source)));
  });

  it("run again after it ended between removing its marker and setting the target's time, sets it", async () => {
    const target = nextTarget();
    const run = () =>
      restoreFolderFromTape({
        folderOnTape: archived.destination,
        target,
        entries: entries(),
        owner: "0badcaf8",
      });
    await run();
    const restoredTime = fs.statSync(target).mtimeMs;
    // As a crash right after the marker went leaves it: the target's time is that of the removal.
    fs.utimesSync(target, new Date(), new Date());
    expect(fs.statSync(target).mtimeMs).not.toBe(restoredTime);

    await run();
    expect(fs.statSync(target).mtimeMs).toBe(restoredTime);
    expect(restorableView(snapshotTree(target))).toEqual(restorableView(snapshotTree(source)));
  });

  it("still refuses a target with files and no marker, or another job's marker", async () => {
    const foreign = nextTarget();
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, "keep.txt"), "someone's");
    await expect(
      restoreFolderFromTape({
        folderOnTape: archived.destination,
        target: foreign,
        entries: entries(),
        owner: "0badcaf2",
      }),
    ).rejects.toMatchObject({ code: "TARGET_NOT_EMPTY" });

    const other = nextTarget();
    await interruptedRestore(other, "0badcaf3");
    const before = snapshotTree(other);
    await expect(
      restoreFolderFromTape({
        folderOnTape: archived.destination,
        target: other,
        entries: entries(),
        owner: "0badcaf4",
      }),
    ).rejects.toMatchObject({ code: "TARGET_NOT_EMPTY" });
    expect(snapshotTree(other)).toEqual(before);
    expect(fs.readFileSync(path.join(foreign, "keep.txt"), "utf8")).toBe("someone's");
  });
});
