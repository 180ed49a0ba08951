import { describe, expect, it } from "vitest";
import {
  checkFolderToPrepare,
  checkRestoreTarget,
  pathRelation,
} from "../../../shared/originals/originals-rule.ts";

function codeOf(work: () => void): string | null {
  try {
    work();
    return null;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe("pathRelation", () => {
  it("compares whole path components", () => {
    expect(pathRelation("/a/b", "/a/b")).toBe("same");
    expect(pathRelation("/a/b/c", "/a/b")).toBe("inside");
    expect(pathRelation("/a", "/a/b")).toBe("contains");
    expect(pathRelation("/a/bc", "/a/b")).toBe("apart");
    expect(pathRelation("/a/b", "/a/bc")).toBe("apart");
    expect(pathRelation("/", "/a")).toBe("contains");
  });
});

describe("the originals rule", () => {
  const own = {
    scratchPath: "/scratch",
    stateFolder: "/var/lib/pytarchive",
    mountPoints: ["/mnt/ltfs1", "/mnt/ltfs2"],
  };
  const originals = [
    { path: "/srv/a", state: "archived" },
    { path: "/srv/b", state: "failed" },
    { path: "/srv/c", state: "prepared" },
  ];

  it("refuses a restore target in, on or around any original, or in scratch", () => {
    expect(codeOf(() => checkRestoreTarget("/srv/a/emptysub", originals, own))).toBe(
      "TARGET_OVERLAPS_ORIGINAL",
    );
    expect(codeOf(() => checkRestoreTarget("/srv/b", originals, own))).toBe(
      "TARGET_OVERLAPS_ORIGINAL",
    );
    expect(codeOf(() => checkRestoreTarget("/srv", originals, own))).toBe(
      "TARGET_OVERLAPS_ORIGINAL",
    );
    expect(codeOf(() => checkRestoreTarget("/scratch/x", originals, own))).toBe(
      "TARGET_IN_SCRATCH",
    );
    expect(codeOf(() => checkRestoreTarget("/srv/ab/x", originals, own))).toBeNull();
  });

  it("refuses to prepare a folder in or around one prepared or archived, naming it", () => {
    expect(() => checkFolderToPrepare("/srv/a/sub", originals, own)).toThrow(
      /\/srv\/a\/sub is inside \/srv\/a, which is archived/,
    );
    expect(() => checkFolderToPrepare("/srv", originals, own)).toThrow(
      /\/srv contains \/srv\/a, which is archived/,
    );
    // A failed preparation holds nothing; the same path is the caller's own case.
    expect(codeOf(() => checkFolderToPrepare("/srv/b/sub", originals, own))).toBeNull();
    expect(codeOf(() => checkFolderToPrepare("/srv/c", originals, own))).toBeNull();
  });

  it("refuses a restore target in or around the state folder or a drive's mount point", () => {
    expect(codeOf(() => checkRestoreTarget("/mnt/ltfs1/x", [], own))).toBe(
      "TARGET_OVERLAPS_PYTARCHIVE_FOLDER",
    );
    expect(codeOf(() => checkRestoreTarget("/mnt/ltfs2", [], own))).toBe(
      "TARGET_OVERLAPS_PYTARCHIVE_FOLDER",
    );
    expect(() => checkRestoreTarget("/var/lib/pytarchive/restore", [], own)).toThrow(
      /state folder \/var\/lib\/pytarchive/,
    );
    expect(codeOf(() => checkRestoreTarget("/var/lib", [], own))).toBe(
      "TARGET_OVERLAPS_PYTARCHIVE_FOLDER",
    );
    expect(codeOf(() => checkRestoreTarget("/mnt/ltfs10/x", [], own))).toBeNull();
  });

  it("refuses to prepare scratch_path, the state folder or a mount point, or a folder in or around one", () => {
    // tar would write the packed archive into the folder it reads.
    expect(() =>
      checkFolderToPrepare("/", [], { ...own, stateFolder: "", mountPoints: [] }),
    ).toThrow(/\/ contains pytarchive's scratch folder \/scratch/);
    expect(codeOf(() => checkFolderToPrepare("/scratch", [], own))).toBe(
      "FOLDER_OVERLAPS_PYTARCHIVE_FOLDER",
    );
    expect(codeOf(() => checkFolderToPrepare("/scratch/old", [], own))).toBe(
      "FOLDER_OVERLAPS_PYTARCHIVE_FOLDER",
    );
    expect(() => checkFolderToPrepare("/var/lib", [], own)).toThrow(
      /contains pytarchive's state folder \/var\/lib\/pytarchive/,
    );
    expect(() => checkFolderToPrepare("/mnt", [], own)).toThrow(
      /contains pytarchive's tape mount point \/mnt\/ltfs1/,
    );
    expect(codeOf(() => checkFolderToPrepare("/mnt/ltfs2/A", [], own))).toBe(
      "FOLDER_OVERLAPS_PYTARCHIVE_FOLDER",
    );
    expect(codeOf(() => checkFolderToPrepare("/var/lib/other", [], own))).toBeNull();
    expect(codeOf(() => checkFolderToPrepare("/scratchy", [], own))).toBeNull();
  });
});
