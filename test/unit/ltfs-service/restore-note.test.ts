import { describe, expect, it } from "vitest";
import { restoreEndedDone } from "../../../services/ltfs/unmount-step.ts";

/*
 * The unmount step removes a packed restore's "restored" note only when the restore ended done:
 * a failed one (its error pending until the tape is home) keeps it, so that the requeued run
 * knows the target as its own finished work instead of failing TARGET_NOT_EMPTY for ever.
 */

describe("the restore's note after the unmount", () => {
  const failure = { code: "RESTORE_UNPACK_FAILED", message: "tar exited with status 2", hint: "" };

  it("goes when the restore ended done", () => {
    expect(restoreEndedDone({ kind: "restore", pendingError: null })).toBe(true);
  });

  it("stays when the restore failed, and belongs to restores only", () => {
    expect(restoreEndedDone({ kind: "restore", pendingError: failure })).toBe(false);
    expect(restoreEndedDone({ kind: "archive", pendingError: null })).toBe(false);
  });
});
