import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CopyResult,
  copyFolderToTape,
  RestoreAbortedError,
  type RestoreEntry,
  restoredNotePath,
  restorePackedFolderFromTape,
} from "../../../services/ltfs/engine/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { restorableView, snapshotTree, writeRandomFile } from "./tree-snapshot.ts";

/*
 * A packed folder's restore run again by the same job: after an interruption it continues (its
 * copy of the archive in scratch kept when complete) and ends with the original tree; after it
 * finished without its end being reported, it finds its note and ends done, writing nothing.
 * `restore -s SUB` of it: tar strips SUB's own name, so a file SUB was skipped and the restore
 * ended done with an empty target; it is refused, folders (an empty one too) are restored.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-packed-resume-"));
const original = path.join(root, "srv", "project");
const scratch = path.join(root, "scratch");
let onTape: CopyResult;
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  writeRandomFile(path.join(original, "data", "big.bin"), 4 * 1024 * 1024 + 3);
  for (let index = 0; index < 10; index++) {
    writeRandomFile(path.join(original, "notes", `n${index}.txt`), 50 + index);
  }
  fs.utimesSync(path.join(original, "notes"), 1_600_000_000, 1_600_000_000);
  fs.mkdirSync(path.join(original, "empty"));
  const packed = path.join(root, "packed");
  fs.mkdirSync(packed);
  fs.mkdirSync(scratch);
  expectExit(
    await runCommand("tar", [
      "--create",
      "--zstd",
      "--format=posix",
      `--file=${path.join(packed, "srv_project.tar.zst")}`,
      `--directory=${path.dirname(original)}`,
      "--",
      "project",
    ]),
  );
  fs.mkdirSync(path.join(root, "tape"));
  onTape = await copyFolderToTape({
    source: packed,
    destination: path.join(root, "tape", "srv_project"),
    description: "x",
    compression: "zstd",
  });
}, 30_000);

function request(target: string, owner: string | null) {
  return {
    folderOnTape: onTape.destination,
    target,
    scratchDir: scratch,
    compression: "zstd" as const,
    archiveTop: "project",
    owner,
    entries: onTape.files.map(
      (file): RestoreEntry => ({ ...file, startBlock: null, partition: null }),
    ),
  };
}

/** tar keeps whole seconds of folders' times here; files keep theirs. */
function view(folder: string) {
  return restorableView(snapshotTree(folder)).filter((entry) => entry.type === "file");
}

describe("a packed folder's restore run again by the same job", () => {
  it("continues after an interruption and ends with the original files", async () => {
    const target = path.join(root, "restored-1");
    const controller = new AbortController();
    const error = await restorePackedFolderFromTape({
      ...request(target, "0cafe001"),
      chunkBytes: 64 * 1024,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.bytesDone > 1024 * 1024) controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RestoreAbortedError);

    await restorePackedFolderFromTape(request(target, "0cafe001"));
    expect(view(target)).toEqual(view(original));
    expect(fs.readdirSync(target).filter((name) => name.startsWith(".pytarchive"))).toEqual([]);
  });

  it("finished but not reported, it ends done writing nothing; without its note it is refused", async () => {
    const target = path.join(root, "restored-2");
    await restorePackedFolderFromTape(request(target, "0cafe002"));
    const note = restoredNotePath(scratch, "0cafe002");
    expect(JSON.parse(fs.readFileSync(note, "utf8"))).toMatchObject({ target });
    const before = view(target);

    await restorePackedFolderFromTape(request(target, "0cafe002"));
    expect(view(target)).toEqual(before);

    fs.rmSync(note);
    await expect(restorePackedFolderFromTape(request(target, "0cafe002"))).rejects.toMatchObject({
      code: "TARGET_NOT_EMPTY",
    });
    expect(view(target)).toEqual(before);
  });

  it("failing on the top folder's mode and times, keeps its target; requeued, it ends with them", async () => {
    const target = path.join(root, "restored-3");
    // tar that fails the one extraction reading the top folder's attributes (after the unpack).
    const failingTar = path.join(root, "tar-failing-top");
    fs.writeFileSync(
      failingTar,
      '#!/bin/sh\nfor a in "$@"; do [ "$a" = --no-recursion ] && { echo "tar: simulated failure" >&2; exit 2; }; done\nexec tar "$@"\n',
      { mode: 0o755 },
    );
    fs.chmodSync(original, 0o750);
    fs.utimesSync(original, 1_650_000_000, 1_650_000_000);
    await expectExit(
      await runCommand("tar", [
        "--create",
        "--zstd",
        "--format=posix",
        `--file=${path.join(root, "top.tar.zst")}`,
        `--directory=${path.dirname(original)}`,
        "--",
        "project",
      ]),
    );
    fs.mkdirSync(path.join(root, "packed-top"));
    fs.renameSync(
      path.join(root, "top.tar.zst"),
      path.join(root, "packed-top", "srv_project.tar.zst"),
    );
    const topTape = await copyFolderToTape({
      source: path.join(root, "packed-top"),
      destination: path.join(root, "tape", "srv_project_top"),
      description: "x",
      compression: "zstd",
    });
    const topRequest = {
      ...request(target, "0cafe003"),
      folderOnTape: topTape.destination,
      entries: topTape.files.map(
        (file): RestoreEntry => ({ ...file, startBlock: null, partition: null }),
      ),
    };

    await expect(
      restorePackedFolderFromTape({ ...topRequest, tar: failingTar }),
    ).rejects.toMatchObject({ code: "RESTORE_UNPACK_FAILED" });
    // Nothing says "done" yet: no note, and the target is still the job's (its marker is there).
    expect(fs.existsSync(restoredNotePath(scratch, "0cafe003"))).toBe(false);
    expect(fs.readdirSync(target).some((name) => name.startsWith(".pytarchive"))).toBe(true);

    await restorePackedFolderFromTape(topRequest);
    expect(view(target)).toEqual(view(original));
    const restored = fs.statSync(target);
    expect(restored.mode & 0o7777).toBe(0o750);
    expect(Math.floor(restored.mtimeMs / 1000)).toBe(1_650_000_000);
  });

  it("run again after its note was written but before the top folder's times were set, sets them", async () => {
    const target = path.join(root, "restored-4");
    await restorePackedFolderFromTape(request(target, "0cafe004"));
    const restoredTime = fs.statSync(target).mtimeMs;
    // As a crash right after the marker went leaves it: the target's time is that of the removal.
    fs.utimesSync(target, new Date(), new Date());

    await restorePackedFolderFromTape(request(target, "0cafe004"));
    expect(fs.statSync(target).mtimeMs).toBe(restoredTime);
  });
});

describe("restore -s of a packed folder", () => {
  it("refuses a file subfolder instead of ending done with nothing restored", async () => {
    for (const owner of [null, "0cafe005"]) {
      const target = path.join(root, `file-${owner ?? "none"}`);
      await expect(
        restorePackedFolderFromTape({ ...request(target, owner), subfolder: "notes/n1.txt" }),
      ).rejects.toMatchObject({
        code: "RESTORE_SUBFOLDER_INVALID",
        message: expect.stringContaining("is a file"),
      });
    }
  });

  it("restores a folder's contents, and an empty folder as nothing", async () => {
    const target = path.join(root, "notes-only");
    await restorePackedFolderFromTape({ ...request(target, "0cafe006"), subfolder: "notes" });
    expect(fs.readFileSync(path.join(target, "n1.txt"))).toEqual(
      fs.readFileSync(path.join(original, "notes", "n1.txt")),
    );
    const empty = path.join(root, "empty-only");
    await restorePackedFolderFromTape({ ...request(empty, "0cafe007"), subfolder: "empty" });
    expect(fs.readdirSync(empty)).toEqual([]);
  });
});
