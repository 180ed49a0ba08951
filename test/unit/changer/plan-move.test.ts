import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MoveRefusedError, planMove } from "../../../services/changer/index.ts";
import type { MovePlanInput } from "../../../services/changer/plan-move.ts";
import { type LibraryStatus, parseMtxStatus } from "../../../shared/hardware/mtx/index.ts";
import type { DriveBlock, MoveRequest } from "../../../shared/messages/changer-moves.ts";

function fixture(name: string): LibraryStatus {
  return parseMtxStatus(
    readFileSync(new URL(`../../fixtures/real/mtx/${name}`, import.meta.url), "utf8"),
  );
}

/** Two drives, both loaded from slot 8 (a real library's quirk), tape HER003L9 in the I/E slot 24. */
const hera = () => fixture("status-hera-2drv-24slot-1ie-lto9-two-drives-same-source-slot.txt");
/** Two drives, 24 slots, four I/E slots; CU cleaning cartridges, lower-case test labels. */
const pbs = () => fixture("status-pbs-test-2drv-24slot-4ie-cln-cu.txt");

const ids = { moveId: "3fa2b1c0.unload.1", jobId: "3fa2b1c0" };

function input(
  library: LibraryStatus,
  move: MoveRequest,
  extra: Partial<Omit<MovePlanInput, "library" | "move">> = {},
): MovePlanInput {
  return {
    library,
    move,
    catalogHome: null,
    blockedDrives: new Map(),
    configuredDrives: new Set([0, 1]),
    ...extra,
  };
}

function refusal(planInput: MovePlanInput): MoveRefusedError {
  try {
    const plan = planMove(planInput);
    throw new Error(`expected a refusal, got ${JSON.stringify(plan)}`);
  } catch (error) {
    if (error instanceof MoveRefusedError) return error;
    throw error;
  }
}

/** The library after slot `slot` received `barcode`. */
function withSlotFull(library: LibraryStatus, slot: number, barcode: string | null): LibraryStatus {
  return {
    ...library,
    slots: library.slots.map((s) => (s.index === slot ? { ...s, full: true, barcode } : s)),
  };
}

const block: DriveBlock = {
  code: "MTX_MEDIUM_REMOVAL_PREVENTED",
  reason: "Drive 1 would not release its tape",
  barcode: "HER002L9",
  moveId: "3fa2b1c0.unload.2",
  jobId: "3fa2b1c0",
  at: "2026-11-26T10:00:00.000Z",
};

describe("planMove: unload goes to the home slot", () => {
  it("uses mtx's source slot when the catalog records no home", () => {
    const plan = planMove(input(hera(), { ...ids, kind: "unload", barcode: "HER002L9" }));
    expect(plan).toEqual({ action: "unload", drive: 1, toSlot: 8, homeFrom: "source slot" });
  });

  it("uses the catalog's home over the source slot, even with empty lower-numbered slots", () => {
    const library = hera();
    const emptied = {
      ...library,
      slots: library.slots.map((s) =>
        s.index <= 3 || s.index === 5 ? { ...s, full: false, barcode: null } : s,
      ),
    };
    expect(
      planMove(input(emptied, { ...ids, kind: "unload", barcode: "042142L9" }, { catalogHome: 5 })),
    ).toEqual({ action: "unload", drive: 0, toSlot: 5, homeFrom: "catalog" });
  });

  it("refuses when the home slot holds another cartridge instead of choosing another slot", () => {
    // Both drives say they were loaded from slot 8: once one tape is back there, the other has no room.
    const library = withSlotFull(hera(), 8, "HER002L9");
    const error = refusal(input(library, { ...ids, kind: "unload", barcode: "042142L9" }));
    expect(error.code).toBe("HOME_SLOT_OCCUPIED");
    expect(error.message).toBe("Home slot 8 of tape 042142L9 holds tape HER002L9.");
    expect(error.drive).toBe(0);
  });

  it("names a cartridge without a label as the occupant", () => {
    const library = withSlotFull(hera(), 8, null);
    expect(refusal(input(library, { ...ids, kind: "unload", barcode: "HER002L9" })).message).toBe(
      "Home slot 8 of tape HER002L9 holds a cartridge without a readable label.",
    );
  });

  it("is already done when the tape is in a slot (a repeated unload)", () => {
    expect(
      planMove(input(hera(), { ...ids, kind: "unload", barcode: "HER009L9" }, { catalogHome: 2 })),
    ).toEqual({
      action: "none",
      at: { kind: "slot", slot: 2, importExport: false },
      homeSlot: 2,
    });
  });

  it("refuses a tape without any known home", () => {
    const library = hera();
    const unknownSource = {
      ...library,
      drives: library.drives.map((d) => (d.index === 1 ? { ...d, sourceSlot: null } : d)),
    };
    const error = refusal(input(unknownSource, { ...ids, kind: "unload", barcode: "HER002L9" }));
    expect(error.code).toBe("NO_HOME_SLOT");
    expect(error.hint).toContain("`mtx -f <changer> unload <slot> 1`");
  });

  it("refuses an unload naming the wrong drive", () => {
    const error = refusal(input(hera(), { ...ids, kind: "unload", barcode: "HER002L9", drive: 0 }));
    expect(error.code).toBe("TAPE_IN_OTHER_DRIVE");
    expect(error.message).toBe("Tape HER002L9 is in drive 1, not in drive 0.");
  });

  it("refuses a blocked drive and a drive that is not configured", () => {
    const blocked = refusal(
      input(
        hera(),
        { ...ids, kind: "unload", barcode: "HER002L9" },
        { blockedDrives: new Map([[1, block]]) },
      ),
    );
    expect(blocked.code).toBe("DRIVE_BLOCKED");
    expect(blocked.message).toContain("Drive 1 is blocked since 2026-11-26T10:00:00.000Z");
    expect(blocked.hint).toContain("do not power-cycle");
    const unconfigured = refusal(
      input(
        hera(),
        { ...ids, kind: "unload", barcode: "HER002L9" },
        { configuredDrives: new Set([0]) },
      ),
    );
    expect(unconfigured.code).toBe("DRIVE_NOT_CONFIGURED");
    expect(unconfigured.hint).toContain("[Drive 1]");
  });
});

describe("planMove: load", () => {
  it("loads from the slot the tape is in and records that slot as home when the catalog has none", () => {
    const library = {
      ...hera(),
      drives: hera().drives.map((d) => ({ ...d, full: false, barcode: null, sourceSlot: null })),
    };
    expect(
      planMove(input(library, { ...ids, kind: "load", barcode: "HER012L9", drive: 1 })),
    ).toEqual({ action: "load", fromSlot: 3, drive: 1, homeSlot: 3, recordHome: true });
    expect(
      planMove(
        input(library, { ...ids, kind: "load", barcode: "HER012L9", drive: 1 }, { catalogHome: 9 }),
      ),
    ).toEqual({ action: "load", fromSlot: 3, drive: 1, homeSlot: 9, recordHome: false });
  });

  it("is already done when the tape is in that drive", () => {
    expect(
      planMove(input(hera(), { ...ids, kind: "load", barcode: "HER002L9", drive: 1 })),
    ).toEqual({ action: "none", at: { kind: "drive", drive: 1 }, homeSlot: 8 });
  });

  it("refuses cleaning cartridges, CLN and CU labels alike", () => {
    expect(
      refusal(input(hera(), { ...ids, kind: "load", barcode: "CLN003L1", drive: 0 })).code,
    ).toBe("CLEANING_TAPE_NOT_LOADABLE");
    expect(
      refusal(input(pbs(), { ...ids, kind: "load", barcode: "CLN002CU", drive: 0 })).message,
    ).toBe("Tape CLN002CU is a cleaning cartridge: the changer never loads one for a job.");
  });

  it("refuses a tape in an import/export slot, with how to import it", () => {
    const error = refusal(input(hera(), { ...ids, kind: "load", barcode: "HER003L9", drive: 0 }));
    expect(error.code).toBe("TAPE_IN_IMPORT_EXPORT_SLOT");
    expect(error.message).toBe(
      "Tape HER003L9 is in import/export slot 24: it has no home slot in the library yet, so it is not loaded from there.",
    );
    expect(error.hint).toContain("free storage slot");
  });

  it("refuses an occupied drive, another drive's tape, a missing drive and an unknown tape", () => {
    expect(
      refusal(input(hera(), { ...ids, kind: "load", barcode: "HER006L9", drive: 0 })),
    ).toMatchObject({
      code: "DRIVE_OCCUPIED",
      message:
        "Drive 0 already holds 042142L9 (loaded from slot 8); it must be unloaded before HER006L9 can be loaded.",
    });
    expect(
      refusal(input(hera(), { ...ids, kind: "load", barcode: "HER002L9", drive: 0 })).code,
    ).toBe("TAPE_IN_OTHER_DRIVE");
    expect(
      refusal(input(hera(), { ...ids, kind: "load", barcode: "HER006L9", drive: 2 })).message,
    ).toBe("Drive 2 does not exist: the library has 2 drives (0 to 1).");
    expect(
      refusal(input(hera(), { ...ids, kind: "load", barcode: "NOPE01L9", drive: 0 })).code,
    ).toBe("TAPE_NOT_IN_LIBRARY");
  });
});

describe("planMove: transfer and return-home", () => {
  it("imports a tape from the I/E slot into a free storage slot, which becomes its home", () => {
    const library = withSlotFull(hera(), 8, null);
    const free = {
      ...library,
      slots: library.slots.map((s) => (s.index === 7 ? { ...s, full: false, barcode: null } : s)),
    };
    expect(
      planMove(input(free, { ...ids, kind: "transfer", barcode: "HER003L9", toSlot: 7 })),
    ).toEqual({ action: "transfer", fromSlot: 24, toSlot: 7, newHome: 7, homeUnchanged: false });
  });

  it("exports a tape to an I/E slot, leaving it without a home", () => {
    const pbsLibrary = pbs();
    const ie = pbsLibrary.slots.find((s) => s.importExport && !s.full);
    expect(ie).toBeDefined();
    expect(
      planMove(
        input(
          pbsLibrary,
          { ...ids, kind: "transfer", barcode: "CLN001CU", toSlot: ie?.index ?? 0 },
          { catalogHome: 4 },
        ),
      ),
    ).toMatchObject({ action: "transfer", fromSlot: 4, newHome: null, homeUnchanged: false });
  });

  it("refuses to transfer onto a full slot or out of a drive", () => {
    expect(
      refusal(input(hera(), { ...ids, kind: "transfer", barcode: "HER006L9", toSlot: 2 })),
    ).toMatchObject({
      code: "SLOT_OCCUPIED",
      message: "Slot 2 already holds tape HER009L9: tape HER006L9 cannot be moved there.",
    });
    expect(
      refusal(input(hera(), { ...ids, kind: "transfer", barcode: "HER002L9", toSlot: 8 })).code,
    ).toBe("TAPE_IN_DRIVE");
    expect(
      refusal(input(hera(), { ...ids, kind: "transfer", barcode: "HER006L9", toSlot: 99 })).code,
    ).toBe("SLOT_NOT_IN_LIBRARY");
  });

  it("brings a tape home from the I/E slot, from a drive, or does nothing when it is home", () => {
    expect(
      planMove(
        input(hera(), { ...ids, kind: "return-home", barcode: "HER003L9" }, { catalogHome: 8 }),
      ),
    ).toEqual({ action: "transfer", fromSlot: 24, toSlot: 8, newHome: 8, homeUnchanged: true });
    expect(refusal(input(hera(), { ...ids, kind: "return-home", barcode: "HER003L9" })).code).toBe(
      "NO_HOME_SLOT",
    );
    expect(planMove(input(hera(), { ...ids, kind: "return-home", barcode: "HER002L9" }))).toEqual({
      action: "unload",
      drive: 1,
      toSlot: 8,
      homeFrom: "source slot",
    });
    expect(
      planMove(input(hera(), { ...ids, kind: "return-home", barcode: "HER001L9" })),
    ).toMatchObject({ action: "none", at: { kind: "slot", slot: 4 } });
  });
});
