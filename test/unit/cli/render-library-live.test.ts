import { describe, expect, it } from "vitest";
import { renderLiveLibrary } from "../../../cli/render/library-live.ts";
import type { LibraryDrive, LibraryReply } from "../../../shared/messages/commands.ts";

/*
 * The cases the simulated library does not show in the integration test: a drive without a
 * [Drive n] section, an LTFS process still running after its unmount, several blocked drives, a
 * cleaning tape in a drive, and what the gateway could not find out.
 */

function drive(index: number, fields: Partial<LibraryDrive>): LibraryDrive {
  return {
    index,
    full: false,
    barcode: null,
    sourceSlot: null,
    cleaning: false,
    mountPoint: `/mnt/ltfs${index}`,
    mounted: false,
    ltfsPids: [],
    blocked: null,
    job: null,
    ...fields,
  };
}

function block(reason: string) {
  return {
    code: "MTX_MEDIUM_REMOVAL_PREVENTED",
    reason,
    barcode: null,
    moveId: null,
    jobId: null,
    at: "2026-12-07T09:00:00.000Z",
  };
}

const REPLY: LibraryReply = {
  device: "/dev/sch0",
  simulated: false,
  driveCount: 4,
  slotCount: 3,
  importExportCount: 1,
  truncated: false,
  readAt: "2026-12-07T10:00:00.000Z",
  drives: [
    drive(0, { full: true, barcode: "AAK788L9", sourceSlot: 1, ltfsPids: [4242] }),
    drive(1, { full: true, barcode: null, sourceSlot: null, mountPoint: null, mounted: null }),
    drive(2, { full: true, barcode: "CLN001L1", sourceSlot: 2, cleaning: true }),
    drive(3, { blocked: block("refused twice") }),
  ],
  slots: [
    { index: 1, full: false, barcode: null, importExport: false, cleaning: false },
    { index: 2, full: false, barcode: null, importExport: false, cleaning: false },
    { index: 3, full: true, barcode: "AAK790L9", importExport: true, cleaning: false },
  ],
  notes: ["The catalog did not answer within 3 s: the tasks using the drives are not shown."],
};

describe("renderLiveLibrary", () => {
  it("words each drive's LTFS state and marks cleaning tapes, blocks and unknown labels", () => {
    const out = renderLiveLibrary(REPLY);
    expect(out).toMatch(/^0 +full +AAK788L9 +1 +LTFS running \(pid 4242\) +-$/m);
    expect(out).toMatch(/^1 +full +\(no label\) +unknown +unknown \(not configured\) +-$/m);
    expect(out).toMatch(/^2 +full +CLN001L1 +2 +not mounted +- +cleaning tape$/m);
    expect(out).toMatch(/^3 +empty +- +- +not mounted +- +BLOCKED$/m);
    expect(out).toMatch(/^3 +full +AAK790L9 +import\/export$/m);
    expect(out).toContain("Cleaning tapes: CLN001L1 (drive 2)\n");
  });

  it("names the drive to clear when one is blocked, and says N when several are", () => {
    expect(renderLiveLibrary(REPLY)).toContain("then `pytarchive clear-drive 3`.");
    const two = {
      ...REPLY,
      drives: [drive(0, { blocked: block("first") }), drive(1, { blocked: block("second") })],
    };
    const out = renderLiveLibrary(two);
    expect(out).toContain("  drive 0: since 2026-12-07T09:00:00.000Z: first");
    expect(out).toContain("  drive 1: since 2026-12-07T09:00:00.000Z: second");
    expect(out).toContain("then `pytarchive clear-drive N`.");
  });

  it("says first that a simulated library's tapes are not an archive, and only then", () => {
    expect(renderLiveLibrary({ ...REPLY, simulated: true })).toMatch(
      /^SIMULATED library: its tapes are loop images, not an archive\.\nLibrary \/dev\/sch0: 4 drives/,
    );
    expect(renderLiveLibrary(REPLY)).not.toContain("SIMULATED");
  });

  it("ends with what could not be found out", () => {
    expect(renderLiveLibrary(REPLY)).toMatch(
      /\nNote: The catalog did not answer within 3 s: the tasks using the drives are not shown\.\n$/,
    );
  });

  it("shows no blocked-drive or cleaning section when there is nothing to say", () => {
    const quiet = {
      ...REPLY,
      drives: [drive(0, {})],
      notes: [],
    };
    const out = renderLiveLibrary(quiet);
    expect(out).not.toContain("Blocked drives");
    expect(out).not.toContain("Cleaning tapes");
    expect(out).not.toContain("Note:");
  });
});
