import { describe, expect, it } from "vitest";
import { createExcludeFilter } from "../../../services/ltfs/engine/index.ts";

describe("createExcludeFilter", () => {
  it("excludes an entry and everything below it, relative to the archived folder", () => {
    const filter = createExcludeFilter([".cache", ".local/share"]);
    expect(filter.isExcluded(".cache")).toBe(true);
    expect(filter.isExcluded(".cache/pip/wheel.whl")).toBe(true);
    expect(filter.isExcluded(".local/share/Trash/x")).toBe(true);
    expect(filter.isExcluded(".local")).toBe(false);
    expect(filter.isExcluded(".local/bin/tool")).toBe(false);
  });

  it("does not exclude a folder of the same name deeper down", () => {
    const filter = createExcludeFilter([".cache"]);
    expect(filter.isExcluded("src/.cache")).toBe(false);
    expect(filter.isExcluded("src/.cache/keep.txt")).toBe(false);
  });

  it("matches whole names only, case-sensitively", () => {
    const filter = createExcludeFilter([".cache"]);
    expect(filter.isExcluded(".cache2")).toBe(false);
    expect(filter.isExcluded(".cache-old/x")).toBe(false);
    expect(filter.isExcluded(".Cache")).toBe(false);
  });

  it("drops a leading ./ and trailing slashes from the configured entries", () => {
    const filter = createExcludeFilter(["./build/tmp/", " .config "]);
    expect(filter.entries).toEqual(["build/tmp", ".config"]);
    expect(filter.isExcluded("build/tmp/a.o")).toBe(true);
    expect(filter.isExcluded("build/out")).toBe(false);
  });

  it("excludes nothing without entries", () => {
    expect(createExcludeFilter([]).isExcluded(".cache")).toBe(false);
  });

  it.each([
    ["/etc", "starts with /"],
    ["a/../b", '".", ".." or "//"'],
    ["..", '".", ".." or "//"'],
    ["a//b", '".", ".." or "//"'],
    ["", "is empty"],
  ])("refuses the entry %j with ARCHIVE_INVALID_EXCLUDE", (entry, words) => {
    let caught: unknown;
    try {
      createExcludeFilter([entry]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "ARCHIVE_INVALID_EXCLUDE" });
    expect((caught as Error).message).toContain(words);
  });
});
