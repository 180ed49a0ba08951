import { describe, expect, it } from "vitest";
import { removalReason } from "../../../services/compression/sweep-packed.ts";

const record = { archive: "/scratch/p_a-1c0e5b2a.tar.zst", folder: "/srv/p/a", recordedAt: "" };
const folder = (state: string, archivePath: string | null, verifiedAt: string | null = null) => ({
  state,
  archivePath,
  verifiedAt,
});

describe("which recorded packed archives the scratch clean-up removes", () => {
  it("keeps an archive its folder still needs: being made, prepared, being archived", () => {
    expect(removalReason(record, folder("preparing", null), false)).toBeNull();
    expect(removalReason(record, folder("prepared", record.archive), false)).toBeNull();
    expect(removalReason(record, folder("archiving", record.archive), false)).toBeNull();
    expect(removalReason(record, folder("archived", record.archive, null), false)).toBeNull();
  });

  it("removes it once its folder is archived and read back, unless keep_packed", () => {
    const done = folder("archived", record.archive, "2026-12-07T09:00:00.000Z");
    expect(removalReason(record, done, false)).toBe("its folder is archived and was read back");
    expect(removalReason(record, done, true)).toBeNull();
  });

  it("removes it when no folder refers to it", () => {
    expect(removalReason(record, null, true)).toBe("the catalog knows no such folder");
    expect(removalReason(record, folder("prepared", null), true)).toBe(
      "its folder no longer refers to it",
    );
    expect(removalReason(record, folder("prepared", "/scratch/p_a-1c0e5b2a.tar.gz"), false)).toBe(
      "its folder no longer refers to it",
    );
  });
});
