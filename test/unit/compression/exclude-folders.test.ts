import { describe, expect, it } from "vitest";
import { normalizeExcludes } from "../../../services/compression/engine/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";

describe("normalizeExcludes", () => {
  it("turns the original's exclude_folders into exact relative paths", () => {
    expect(normalizeExcludes([".local", " .cache", ".config "])).toEqual(
      new Set([".local", ".cache", ".config"]),
    );
  });

  it("drops ./ prefixes, doubled and trailing slashes, and empty entries", () => {
    expect(normalizeExcludes(["./.cache/", "data//tmp", "", "  "])).toEqual(
      new Set([".cache", "data/tmp"]),
    );
  });

  it("keeps names with spaces, Unicode and wildcard characters literally", () => {
    expect(normalizeExcludes(["scratch data/tmp", "Überblick", "*.bak"])).toEqual(
      new Set(["scratch data/tmp", "Überblick", "*.bak"]),
    );
  });

  it.each([
    ["/home/user/.cache", "an absolute path"],
    ["..", "the parent folder"],
    ["../other", "a path that climbs out"],
    ["a/../../b", "a path that climbs out after normalising"],
    [".", "the folder itself"],
  ])('refuses "%s" (%s) with EXCLUDE_FOLDER_INVALID', (entry) => {
    let caught: unknown;
    try {
      normalizeExcludes([entry]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PytarchiveError);
    expect((caught as PytarchiveError).code).toBe("EXCLUDE_FOLDER_INVALID");
    expect((caught as PytarchiveError).message).toBe(
      `exclude_folders entry "${entry}" is not a folder inside the folder being prepared`,
    );
  });
});
