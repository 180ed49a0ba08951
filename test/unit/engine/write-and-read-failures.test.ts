import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CopyProgress,
  copyFolderToTape,
  type RestoreEntry,
  restoreFolderFromTape,
} from "../../../services/ltfs/engine/index.ts";
import { writeRandomFile } from "./tree-snapshot.ts";

/*
 * Failures of a real file system in the middle of a copy: an original deleted after the scan, a
 * tape that turns read-only (as LTFS does after a write error), a restore disk that fills up.
 * The tape and the small disk are tmpfs mounts (the tests run as root).
 */

const MIB = 1024 * 1024;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-engine-faults-"));
const mounts: string[] = [];

function mountTmpfs(name: string, size: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  mounts.push(dir);
  return dir;
}

/** Files over the prefetch limit (1 MiB), so each is opened when its turn comes. */
function makeSource(name: string): string {
  const source = path.join(root, name);
  for (const file of ["a.bin", "b.bin", "c.bin"]) writeRandomFile(path.join(source, file), 2 * MIB);
  return source;
}

afterAll(() => {
  for (const dir of mounts) execFileSync("umount", [dir]);
  fs.rmSync(root, { recursive: true, force: true });
});

describe("copyFolderToTape, when the world changes under it", () => {
  it("is ARCHIVE_SOURCE_UNREADABLE when an original is gone by the time it is copied", async () => {
    const source = makeSource("source-deleted");
    fs.mkdirSync(path.join(root, "tape-1"));
    const destination = path.join(root, "tape-1", "project");
    const gone = path.join(source, "b.bin");
    const onProgress = (progress: CopyProgress) => {
      // a.bin is being copied: the scan has counted b.bin, which is now deleted.
      if (progress.path === "a.bin") fs.rmSync(gone, { force: true });
    };

    await expect(
      copyFolderToTape({ source, destination, description: "", onProgress }),
    ).rejects.toMatchObject({
      code: "ARCHIVE_SOURCE_UNREADABLE",
      message: `Could not read ${gone} from the folder being archived: no such file or directory.`,
      hint: expect.stringContaining("requeue the job"),
    });
    // The copy on the tape is incomplete: a.bin only, and no manifest marks it complete.
    expect(fs.readdirSync(destination)).toEqual(["a.bin"]);
    expect(fs.existsSync(`${destination}.manifest.json`)).toBe(false);
  });

  it("is ARCHIVE_TAPE_WRITE_FAILED when the tape turns read-only mid-copy", async () => {
    const source = makeSource("source-readonly-tape");
    const tape = mountTmpfs("tape-2", "64m");
    const destination = path.join(tape, "project");
    const onProgress = (progress: CopyProgress) => {
      // Between files nothing is open for writing, so the remount is allowed.
      if (progress.phase === "copying" && progress.path === null && progress.filesDone === 1) {
        execFileSync("mount", ["-o", "remount,ro", tape]);
      }
    };

    const failure = copyFolderToTape({ source, destination, description: "", onProgress });

    await expect(failure).rejects.toMatchObject({
      code: "ARCHIVE_TAPE_WRITE_FAILED",
      message: `Writing ${path.join(destination, "b.bin")} to the tape failed: read-only file system. ${destination} on the tape is incomplete and has no manifest.`,
      hint: expect.stringContaining("archive the folder again, onto another tape"),
    });
    expect(fs.readdirSync(destination)).toEqual(["a.bin"]);
    expect(fs.existsSync(`${destination}.manifest.json`)).toBe(false);
  });
});

describe("restoreFolderFromTape, onto a disk too small", () => {
  let folderOnTape: string;
  let entries: RestoreEntry[];

  beforeAll(async () => {
    fs.mkdirSync(path.join(root, "tape-3"));
    const archived = await copyFolderToTape({
      source: makeSource("source-restored"),
      destination: path.join(root, "tape-3", "project"),
      description: "",
    });
    folderOnTape = archived.destination;
    entries = archived.entries.map((entry) => ({ ...entry, startBlock: null, partition: null }));
  });

  it("is RESTORE_WRITE_FAILED when the target's disk fills up, saying what was restored", async () => {
    // Room for one 2 MiB file, not for the second.
    const disk = mountTmpfs("small-disk", "3m");
    const target = path.join(disk, "restored");

    await expect(restoreFolderFromTape({ folderOnTape, target, entries })).rejects.toMatchObject({
      code: "RESTORE_WRITE_FAILED",
      message: `Writing ${path.join(target, "b.bin")} failed: no space left on device, write. 1 of 3 files were restored to ${target}, which is incomplete.`,
      hint: expect.stringContaining("Free space on the target disk"),
    });
    expect(fs.readdirSync(target).sort()).toEqual(["a.bin", "b.bin"]);
  });
});
