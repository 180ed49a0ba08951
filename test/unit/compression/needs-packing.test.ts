import { describe, expect, it } from "vitest";
import {
  LTFS_MAX_UNPACKED_FILE_COUNT,
  needsPacking,
} from "../../../services/compression/engine/index.ts";

describe("needsPacking", () => {
  it("keeps the original's limit of 500,000 files", () => {
    expect(LTFS_MAX_UNPACKED_FILE_COUNT).toBe(500_000);
  });

  it("packs a folder with more than 500,000 files", () => {
    expect(needsPacking({ fileCount: 500_001, compress: false })).toBe(true);
  });

  it("does not pack a folder with exactly 500,000 files", () => {
    expect(needsPacking({ fileCount: 500_000, compress: false })).toBe(false);
  });

  it("packs any folder when --compress is given", () => {
    expect(needsPacking({ fileCount: 3, compress: true })).toBe(true);
  });
});
