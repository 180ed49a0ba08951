import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CopyResult,
  copyFolderToTape,
  RestoreAbortedError,
  RestoreChecksumMismatchError,
  type RestoreEntry,
  restoreFolderFromTape,
} from "../../../services/ltfs/engine/index.ts";
import { restorableView, snapshotTree, writeRandomFile } from "./tree-snapshot.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-restore-"));
const source = path.join(root, "source");
let archived: CopyResult;
let targets = 0;
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  writeRandomFile(path.join(source, "a", "b", "c.bin"), 2 * 1024 * 1024 + 3);
  writeRandomFile(path.join(source, "a", "one.txt"), 100);
  writeRandomFile(path.join(source, "two.txt"), 200);
  fs.symlinkSync("a/one.txt", path.join(source, "link"));
  fs.chmodSync(path.join(source, "a", "one.txt"), 0o400);
  fs.utimesSync(path.join(source, "a", "b"), 1_500_000_000, 1_500_000_000.25);
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

/** As the catalog's files table gives them: files only, with start blocks. */
function catalogRows(): RestoreEntry[] {
  return archived.files.map((file, index) => ({
    path: file.path,
    size: file.size,
    mtimeNs: file.mtimeNs,
    mode: file.mode,
    sha256: file.sha256,
    linkTarget: null,
    startBlock: 100 + index,
    partition: "b",
  }));
}

describe("restoreFolderFromTape", () => {
  it("restores from the catalog's file rows alone, folder times taken from the tape", async () => {
    const target = nextTarget();
    const result = await restoreFolderFromTape({
      folderOnTape: archived.destination,
      target,
      entries: catalogRows(),
    });
    expect(result).toMatchObject({ files: 3, bytes: archived.bytes, directories: 2, symlinks: 0 });
    const restored = new Map(restorableView(snapshotTree(target)).map((e) => [e.path, e]));
    for (const original of restorableView(snapshotTree(source))) {
      if (original.type === "file") expect(restored.get(original.path)).toEqual(original);
    }
    const folder = restored.get("a/b");
    expect(folder?.mtimeUs).toBe(1_500_000_000_250_000n);
  });

  it("restores links and folder modes when the manifest's entries are given", async () => {
    const target = nextTarget();
    await restoreFolderFromTape({
      folderOnTape: archived.destination,
      target,
      entries: archived.entries.map((entry) => ({ ...entry, startBlock: null, partition: null })),
    });
    expect(restorableView(snapshotTree(target))).toEqual(restorableView(snapshotTree(source)));
  });

  it("reports a file missing on the tape after restoring all the others", async () => {
    const target = nextTarget();
    const rows = catalogRows();
    const missing = { ...(rows[0] as RestoreEntry), path: "a/was-here.txt" };
    const error = await restoreFolderFromTape({
      folderOnTape: archived.destination,
      target,
      entries: [...rows, missing],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RestoreChecksumMismatchError);
    expect((error as RestoreChecksumMismatchError).mismatches).toEqual([
      {
        path: "a/was-here.txt",
        expected: missing.sha256,
        actual: "missing on the tape",
        keptAs: null,
      },
    ]);
    expect(snapshotTree(target).filter((entry) => entry.type === "file")).toHaveLength(3);
  });

  it("refuses an entry without a checksum before creating the target", async () => {
    const target = nextTarget();
    const rows = catalogRows().map((row) => ({ ...row, sha256: null }));
    await expect(
      restoreFolderFromTape({ folderOnTape: archived.destination, target, entries: rows }),
    ).rejects.toMatchObject({ code: "RESTORE_ENTRY_INVALID" });
    expect(fs.existsSync(target)).toBe(false);
  });

  it("refuses a subfolder that leaves the archived folder, before creating the target", async () => {
    const target = nextTarget();
    await expect(
      restoreFolderFromTape({
        folderOnTape: archived.destination,
        target,
        subfolder: "a/../..",
        entries: catalogRows(),
      }),
    ).rejects.toMatchObject({ code: "RESTORE_SUBFOLDER_INVALID" });
    expect(fs.existsSync(target)).toBe(false);
  });

  it("says the tape could not be read when the archived folder is not there (RESTORE_READ_FAILED)", async () => {
    const target = nextTarget();
    const folderOnTape = path.join(root, "tape", "not-archived");
    await expect(
      restoreFolderFromTape({ folderOnTape, target, entries: catalogRows() }),
    ).rejects.toMatchObject({
      code: "RESTORE_READ_FAILED",
      message: expect.stringContaining(folderOnTape),
    });
  });

  it("stops when aborted and says what it restored", async () => {
    const controller = new AbortController();
    const target = nextTarget();
    const error = await restoreFolderFromTape({
      folderOnTape: archived.destination,
      target,
      entries: catalogRows(),
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.filesDone === 1) controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RestoreAbortedError);
    expect(error).toMatchObject({ code: "RESTORE_ABORTED" });
    expect((error as RestoreAbortedError).partial).toEqual({
      target,
      filesRestored: 1,
      filesTotal: 3,
    });
  });
});
