import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkRestoreTarget,
  normaliseSubfolder,
  orderForRestore,
  type RestoreEntry,
  selectSubtree,
} from "../../../services/ltfs/engine/index.ts";
import { checkRestoreEntries } from "../../../services/ltfs/engine/restore-plan.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-restore-plan-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(
  relative: string,
  startBlock: number | null,
  partition: string | null = "b",
): RestoreEntry {
  return {
    path: relative,
    size: 1,
    mtimeNs: "1700000000000000000",
    mode: 0o100644,
    sha256: "f".repeat(64),
    linkTarget: null,
    startBlock,
    partition: startBlock === null ? null : partition,
  };
}

function errorOf(action: () => unknown): Error & { code?: string } {
  try {
    action();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("no error was thrown");
}

describe("orderForRestore", () => {
  it("reads by partition, then start block, so that the tape never seeks backwards", () => {
    const ordered = orderForRestore([
      file("c", 900),
      file("a", 12),
      file("index-copy", 40, "a"),
      file("b", 500),
    ]);
    expect(ordered.map((entry) => entry.path)).toEqual(["index-copy", "a", "b", "c"]);
  });

  it("puts files without a start block last, in the order given (the manifest's)", () => {
    const ordered = orderForRestore([
      file("empty-2", null),
      file("late", 80),
      file("empty-1", null),
      file("early", 3),
    ]);
    expect(ordered.map((entry) => entry.path)).toEqual(["early", "late", "empty-2", "empty-1"]);
  });

  it("treats a start block without a partition as unknown", () => {
    const noPartition = { ...file("x", 5), partition: null };
    expect(orderForRestore([noPartition, file("y", 9)]).map((entry) => entry.path)).toEqual([
      "y",
      "x",
    ]);
  });
});

describe("normaliseSubfolder", () => {
  it("keeps a plain relative path and drops ./ and trailing slashes", () => {
    expect(normaliseSubfolder("data/run 3/")).toBe("data/run 3");
    expect(normaliseSubfolder("./data")).toBe("data");
    expect(normaliseSubfolder(undefined)).toBeNull();
    expect(normaliseSubfolder(null)).toBeNull();
  });

  it.each([
    ["../etc", 'contains an empty, "." or ".." part'],
    ["data/../../etc", 'contains an empty, "." or ".." part'],
    ["/data", "is absolute"],
    ["", "is empty"],
    [".", "is empty"],
  ])("refuses %j with RESTORE_SUBFOLDER_INVALID", (subfolder, words) => {
    const error = errorOf(() => normaliseSubfolder(subfolder));
    expect(error.code).toBe("RESTORE_SUBFOLDER_INVALID");
    expect(error.message).toContain(words);
  });
});

describe("selectSubtree", () => {
  const entries = ["data", "data/a.txt", "data/sub/b.txt", "data2/c.txt", "other.txt"].map(
    (relative) => ({ path: relative }),
  );

  it("selects the subfolder and what lies below it, not a sibling that shares its prefix", () => {
    expect(selectSubtree(entries, "data").map((entry) => entry.path)).toEqual([
      "data",
      "data/a.txt",
      "data/sub/b.txt",
    ]);
  });

  it("selects a single file", () => {
    expect(selectSubtree(entries, "other.txt").map((entry) => entry.path)).toEqual(["other.txt"]);
  });

  it("refuses a subfolder that was not archived, naming it", () => {
    const error = errorOf(() => selectSubtree(entries, "Data"));
    expect(error.code).toBe("RESTORE_SUBFOLDER_NOT_FOUND");
    expect(error.message).toContain('"Data"');
  });
});

describe("checkRestoreEntries", () => {
  it("refuses a file without a checksum, since the restored copy could not be checked", () => {
    const error = errorOf(() => checkRestoreEntries([{ ...file("a.txt", 1), sha256: null }]));
    expect(error.code).toBe("RESTORE_ENTRY_INVALID");
    expect(error.message).toContain("no SHA-256 checksum");
  });

  it("refuses a path that would leave the target", () => {
    const error = errorOf(() => checkRestoreEntries([file("../../root/.ssh/keys", 1)]));
    expect(error.code).toBe("RESTORE_ENTRY_INVALID");
  });

  it("accepts folders and links without checksums", () => {
    expect(() =>
      checkRestoreEntries([
        { ...file("d", null), type: "directory", sha256: null },
        { ...file("l", null), type: "symlink", sha256: null, linkTarget: "d" },
      ]),
    ).not.toThrow();
  });
});

describe("checkRestoreTarget", () => {
  it("accepts a path that does not exist yet", async () => {
    expect(await checkRestoreTarget(path.join(dir, "new", "deeper"))).toBe("missing");
  });

  it("accepts an empty folder", async () => {
    const empty = path.join(dir, "empty");
    fs.mkdirSync(empty);
    expect(await checkRestoreTarget(empty)).toBe("empty");
  });

  it("refuses a folder that holds something, and leaves it alone", async () => {
    const full = path.join(dir, "full");
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, ".hidden"), "mine");
    await expect(checkRestoreTarget(full)).rejects.toMatchObject({
      code: "TARGET_NOT_EMPTY",
      message: `The restore target ${full} is not empty; nothing was restored.`,
    });
    expect(fs.readdirSync(full)).toEqual([".hidden"]);
  });

  it("refuses a relative path", async () => {
    await expect(checkRestoreTarget("restore/here")).rejects.toMatchObject({
      code: "RESTORE_TARGET_INVALID",
      message: expect.stringContaining("relative"),
    });
  });

  it("refuses a file", async () => {
    const plain = path.join(dir, "plain.txt");
    fs.writeFileSync(plain, "x");
    await expect(checkRestoreTarget(plain)).rejects.toMatchObject({
      code: "RESTORE_TARGET_INVALID",
      message: expect.stringContaining("not a folder"),
    });
  });

  it("refuses a symbolic link, even to an empty folder", async () => {
    const link = path.join(dir, "link");
    fs.mkdirSync(path.join(dir, "empty-2"));
    fs.symlinkSync(path.join(dir, "empty-2"), link);
    await expect(checkRestoreTarget(link)).rejects.toMatchObject({
      code: "RESTORE_TARGET_INVALID",
      message: expect.stringContaining("symbolic link"),
    });
  });
});
