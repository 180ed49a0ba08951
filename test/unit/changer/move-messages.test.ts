import { describe, expect, it } from "vitest";
import {
  changerSubjects,
  MoveDone,
  MoveFailed,
  MoveRequest,
} from "../../../shared/messages/changer-moves.ts";

const utf8 = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("the move contract", () => {
  it("puts moves, outcomes and clear-drive on the library's subjects", () => {
    expect(changerSubjects("lib1")).toEqual({
      move: "pyt.lib1.changer.move",
      moveDone: "pyt.lib1.events.move.done",
      moveFailed: "pyt.lib1.events.move.failed",
      moveOutcomes: "pyt.lib1.events.move.>",
      clearDrive: "pyt.lib1.changer.clear-drive",
    });
  });

  it("accepts each kind of move with its own fields", () => {
    const base = { moveId: "3fa2b1c0.load.1", jobId: "3fa2b1c0", barcode: "AAK787L9" };
    expect(MoveRequest.decode(utf8({ ...base, kind: "load", drive: 1 }))).toEqual({
      ...base,
      kind: "load",
      drive: 1,
    });
    expect(MoveRequest.is({ ...base, kind: "unload" })).toBe(true);
    expect(MoveRequest.is({ ...base, kind: "unload", drive: 0, blockDriveIfRefused: true })).toBe(
      true,
    );
    expect(MoveRequest.is({ ...base, kind: "transfer", toSlot: 7 })).toBe(true);
    expect(MoveRequest.is({ ...base, kind: "return-home" })).toBe(true);
  });

  it("refuses a load without a drive, a transfer to slot 0 and an unknown kind, saying which field", () => {
    const base = { moveId: "m1", jobId: "3fa2b1c0", barcode: "AAK787L9" };
    expect(() => MoveRequest.decode(utf8({ ...base, kind: "load" }))).toThrow(/drive: is required/);
    expect(() => MoveRequest.decode(utf8({ ...base, kind: "transfer", toSlot: 0 }))).toThrow(
      /toSlot/,
    );
    expect(() => MoveRequest.decode(utf8({ ...base, kind: "eject" }))).toThrow(
      /kind: Expected one of "load", "unload", "transfer", "return-home"/,
    );
    expect(() =>
      MoveRequest.decode(utf8({ ...base, moveId: "has space", kind: "unload" })),
    ).toThrow(/moveId/);
  });

  it("carries where the tape went, or why it did not", () => {
    const done = {
      moveId: "m1",
      jobId: "3fa2b1c0",
      kind: "unload",
      barcode: "AAK787L9",
      from: { kind: "drive", drive: 0 },
      to: { kind: "slot", slot: 24, importExport: false },
      alreadyInPlace: false,
      homeSlot: 24,
      at: "2026-11-26T10:00:00.000Z",
    };
    expect(MoveDone.decode(utf8(done))).toEqual(done);
    const failed = {
      moveId: "m1",
      jobId: "3fa2b1c0",
      kind: "unload",
      barcode: "AAK787L9",
      drive: 0,
      error: { code: "TAPE_STILL_MOUNTED", message: "…", hint: "…" },
      driveBlocked: false,
      at: "2026-11-26T10:00:00.000Z",
    };
    expect(MoveFailed.decode(utf8(failed))).toEqual(failed);
  });
});
