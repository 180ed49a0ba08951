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
  const originals = [
    { path: "/srv/a", state: "archived" },
    { path: "/srv/b", state: "failed" },
    { path: "/srv/c", state: "prepared" },
  ];

  it("refuses a restore target in, on or around any original, or in scratch", () => {
    expect(codeOf(() => checkRestoreTarget("/srv/a/emptysub", originals, "/scratch"))).toBe(
      "TARGET_OVERLAPS_ORIGINAL",
    );
    expect(codeOf(() => checkRestoreTarget("/srv/b", originals, "/scratch"))).toBe(
      "TARGET_OVERLAPS_ORIGINAL",
    );
    expect(codeOf(() => checkRestoreTarget("/srv", originals, "/scratch"))).toBe(
      "TARGET_OVERLAPS_ORIGINAL",
    );
    expect(codeOf(() => checkRestoreTarget("/scratch/x", originals, "/scratch"))).toBe(
      "TARGET_IN_SCRATCH",
    );
    expect(codeOf(() => checkRestoreTarget("/srv/ab/x", originals, "/scratch"))).toBeNull();
  });

  it("refuses to prepare a folder in or around one prepared or archived, naming it", () => {
    expect(() => checkFolderToPrepare("/srv/a/sub", originals)).toThrow(
      /\/srv\/a\/sub is inside \/srv\/a, which is archived/,
    );
    expect(() => checkFolderToPrepare("/srv", originals)).toThrow(
      /\/srv contains \/srv\/a, which is archived/,
    );
    // A failed preparation holds nothing; the same path is the caller's own case.
    expect(codeOf(() => checkFolderToPrepare("/srv/b/sub", originals))).toBeNull();
    expect(codeOf(() => checkFolderToPrepare("/srv/c", originals))).toBeNull();
  });
});
