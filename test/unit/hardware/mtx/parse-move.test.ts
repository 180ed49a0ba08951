import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { PytarchiveError } from "../../../../shared/errors/index.ts";
import {
  MtxDestinationFullError,
  MtxDeviceBusyError,
  MtxDriveEmptyError,
  MtxDriveFullError,
  type MtxError,
  MtxInvalidArgumentError,
  MtxMediumRemovalPreventedError,
  MtxMoveFailedError,
  MtxNotReadyError,
  type MtxRequest,
  MtxSlotFullError,
  MtxSourceEmptyError,
  mtxErrorFromOutput,
  parseMtxMoveOutput,
  parseMtxMoveOutputOrThrow,
} from "../../../../shared/hardware/mtx/index.ts";
import { MTX_FIXTURE_DIR, readMtxFixture } from "./read-fixture.ts";

const covered = new Set<string>();

/** mtx's output as one merged text (the fixtures are `2>&1` captures), exit 1. */
function failedWith(name: string, request?: MtxRequest): MtxError {
  covered.add(name);
  const outcome = parseMtxMoveOutput(
    { stdout: readMtxFixture(name), stderr: "", exitCode: 1 },
    request,
  );
  if (outcome.ok) throw new Error(`${name} was read as a success`);
  expect(outcome.error).toBeInstanceOf(PytarchiveError);
  return outcome.error;
}

describe("parseMtxMoveOutput on successful moves", () => {
  it("load-success-first-ibm-ts4500.txt: one finished load", () => {
    covered.add("load-success-first-ibm-ts4500.txt");
    const text = readMtxFixture("load-success-first-ibm-ts4500.txt");
    expect(parseMtxMoveOutput({ stdout: text, stderr: "", exitCode: 0 })).toEqual({
      ok: true,
      moves: [{ kind: "load", slot: 1, drive: 0, done: true }],
    });
  });

  it("unload-success-bdt-flexstor-ii.txt: one finished unload", () => {
    covered.add("unload-success-bdt-flexstor-ii.txt");
    const text = readMtxFixture("unload-success-bdt-flexstor-ii.txt");
    expect(
      parseMtxMoveOutputOrThrow(
        { stdout: text, stderr: "", exitCode: 0 },
        { operation: "unload", drive: 0, slot: 1 },
      ),
    ).toEqual([{ kind: "unload", drive: 0, slot: 1, done: true }]);
  });

  it("next-unload-then-load-ibm-ts4500.txt: an unload and a load in one run", () => {
    covered.add("next-unload-then-load-ibm-ts4500.txt");
    const text = readMtxFixture("next-unload-then-load-ibm-ts4500.txt");
    expect(parseMtxMoveOutputOrThrow({ stdout: text, stderr: "", exitCode: 0 })).toEqual([
      { kind: "unload", drive: 0, slot: 1, done: true },
      { kind: "load", slot: 2, drive: 0, done: true },
    ]);
  });
});

describe("parseMtxMoveOutput turns mtx failures into typed errors", () => {
  it("error-unload-asc53-ascq03-removal-prevented-interleaved.txt: medium removal prevented, with the original's advice", () => {
    const error = failedWith("error-unload-asc53-ascq03-removal-prevented-interleaved.txt", {
      operation: "unload",
      drive: 0,
      slot: 6,
    });
    expect(error).toBeInstanceOf(MtxMediumRemovalPreventedError);
    expect(error.code).toBe("MTX_MEDIUM_REMOVAL_PREVENTED");
    expect(error.isMediumRemovalPrevented()).toBe(true);
    expect([error.drive, error.slot]).toEqual([0, 6]);
    expect(error.sense).toMatchObject({
      senseKey: 5,
      senseKeyName: "Illegal Request",
      asc: 0x53,
      ascq: 0x03,
      errorCode: 0x70,
      errorType: "current",
      validResidual: false,
    });
    expect(error.message).toContain("Drive 0 would not release its tape into slot 6");
    expect(error.message).toContain("ASC 53h, ASCQ 03h");
    expect(error.hint).toContain("Mount the tape");
    expect(error.hint).toContain("unmount it again");
    expect(error.hint).toContain("DO NOT POWER CYCLE THE LIBRARY OR YOU MIGHT LOSE DATA");
  });

  it("error-unload-asc53-ascq03-removal-prevented-interleaved.txt: same error when stdout and stderr come apart", () => {
    const text = readMtxFixture("error-unload-asc53-ascq03-removal-prevented-interleaved.txt");
    const split = text.indexOf("...") + 3;
    const error = mtxErrorFromOutput({
      stdout: text.slice(0, split),
      stderr: text.slice(split),
      exitCode: 1,
    });
    expect(error).toBeInstanceOf(MtxMediumRemovalPreventedError);
    // Without a request, drive and slot come from mtx's progress line.
    expect([error.drive, error.slot, error.operation]).toEqual([0, 6, "unload"]);
    expect(error.asc).toBe(0x53);
  });

  it("error-load-hardware-error-asc04-ascq03-interleaved-mhvtl.txt: ASC 04h is not ready", () => {
    const error = failedWith("error-load-hardware-error-asc04-ascq03-interleaved-mhvtl.txt");
    expect(error).toBeInstanceOf(MtxNotReadyError);
    expect(error.code).toBe("MTX_NOT_READY");
    expect(error.isNotReady()).toBe(true);
    expect([error.operation, error.slot, error.drive]).toEqual(["load", 2, 0]);
    expect([error.senseKey, error.asc, error.ascq]).toEqual([4, 0x04, 0x03]);
    expect(error.sense?.residual).toEqual([0, 0, 0, 0]);
    expect(error.mtxMessage).toBe("MOVE MEDIUM from Element Address 33 to 480 Failed");
    expect(error.message).toContain("Hardware Error, ASC 04h, ASCQ 03h");
  });

  it("error-load-hardware-error-asc04-ascq03-mhvtl-l700.txt: not ready while loading slot 2 into drive 2", () => {
    const error = failedWith("error-load-hardware-error-asc04-ascq03-mhvtl-l700.txt", {
      operation: "load",
      slot: 2,
      drive: 2,
    });
    expect(error).toBeInstanceOf(MtxNotReadyError);
    expect(error.message).toContain("while loading slot 2 into drive 2");
    expect(error.sense).toMatchObject({ senseKeyName: "Hardware Error", validResidual: true });
    expect(error.mtxMessage).toBe("MOVE MEDIUM from Element Address 1001 to 502 Failed");
  });

  it("error-faq-status-not-ready-asc04-ascq8e-read-element-status-failed.txt: status on a library that is not ready", () => {
    const error = failedWith(
      "error-faq-status-not-ready-asc04-ascq8e-read-element-status-failed.txt",
      { operation: "status" },
    );
    expect(error).toBeInstanceOf(MtxNotReadyError);
    expect(error.operation).toBe("status");
    expect([error.senseKey, error.asc, error.ascq]).toEqual([2, 0x04, 0x8e]);
    expect(error.sense?.senseKeyName).toBe("Not Ready");
    expect(error.message).toContain("while reading the library status");
    expect(error.hint).toContain("random mode");
  });

  it("error-faq-aborted-command-asc4e-short-sense.txt: anything else is MtxMoveFailedError with the sense", () => {
    const error = failedWith("error-faq-aborted-command-asc4e-short-sense.txt", {
      operation: "load",
      slot: 3,
      drive: 0,
    });
    expect(error).toBeInstanceOf(MtxMoveFailedError);
    expect(error.code).toBe("MTX_MOVE_FAILED");
    expect(error.sense).toMatchObject({
      senseKey: 0x0b,
      senseKeyName: "Aborted Command",
      asc: 0x4e,
      ascq: 0x00,
      errorCode: 0x70,
      // the short format has no Long Report lines
      fileMark: null,
    });
    expect(error.message).toBe(
      "mtx failed while loading slot 3 into drive 0: Aborted Command, ASC 4Eh, ASCQ 00h.",
    );
  });

  it("error-faq-move-medium-failed-single-line.txt: a bare MOVE MEDIUM failure keeps the element addresses", () => {
    const error = failedWith("error-faq-move-medium-failed-single-line.txt");
    expect(error).toBeInstanceOf(MtxMoveFailedError);
    const moveFailed = error as MtxMoveFailedError;
    expect([moveFailed.fromAddress, moveFailed.toAddress]).toEqual([82, 5]);
    expect(moveFailed.sense).toBeNull();
    expect(moveFailed.message).toContain("from element address 82 to 5 failed");
  });

  it("error-load-drive-already-full-reconstructed.txt: mtx's pre-check with lower-case 'loaded'", () => {
    const error = failedWith("error-load-drive-already-full-reconstructed.txt", {
      operation: "load",
      slot: 7,
      drive: 0,
    });
    expect(error).toBeInstanceOf(MtxDriveFullError);
    expect(error.code).toBe("MTX_DRIVE_ALREADY_FULL");
    expect((error as MtxDriveFullError).loadedFromSlot).toBe(5);
    expect(error.drive).toBe(0);
    expect(error.message).toBe(
      "Drive 0 already holds a tape (loaded from slot 5); it must be unloaded before slot 7 can be loaded.",
    );
  });

  it("error-unload-slot-already-full-reconstructed.txt: the slot named by mtx is full", () => {
    const error = failedWith("error-unload-slot-already-full-reconstructed.txt", {
      operation: "unload",
      drive: 0,
      slot: 3,
    });
    expect(error).toBeInstanceOf(MtxSlotFullError);
    expect(error.code).toBe("MTX_SLOT_ALREADY_FULL");
    expect(error.slot).toBe(3);
    expect(error.message).toBe("Slot 3 is already full: drive 0 cannot unload into it.");
  });

  it("error-unload-drive-empty-reconstructed.txt: nothing to unload", () => {
    const error = failedWith("error-unload-drive-empty-reconstructed.txt", {
      operation: "unload",
      drive: 1,
      slot: 4,
    });
    expect(error).toBeInstanceOf(MtxDriveEmptyError);
    expect(error.code).toBe("MTX_DRIVE_EMPTY");
    expect(error.drive).toBe(1);
    expect(error.message).toBe("Drive 1 is empty: there is no tape to unload.");
  });

  it("error-load-invalid-slot-argument-reconstructed.txt: mtx rejects slot 99", () => {
    const error = failedWith("error-load-invalid-slot-argument-reconstructed.txt", {
      operation: "load",
      slot: 99,
      drive: 0,
    });
    expect(error).toBeInstanceOf(MtxInvalidArgumentError);
    expect(error.code).toBe("MTX_INVALID_ARGUMENT");
    expect((error as MtxInvalidArgumentError).argument).toBe("slot");
    expect((error as MtxInvalidArgumentError).value).toBe(99);
    expect(error.message).toContain("The library has no slot 99");
  });

  it("error-load-source-empty-asc3b-ascq0e-reconstructed.txt: the slot to load from is empty", () => {
    const error = failedWith("error-load-source-empty-asc3b-ascq0e-reconstructed.txt", {
      operation: "load",
      slot: 7,
      drive: 0,
    });
    expect(error).toBeInstanceOf(MtxSourceEmptyError);
    expect(error.code).toBe("MTX_SOURCE_EMPTY");
    expect((error as MtxSourceEmptyError).elementAddress).toBe(4102);
    expect([error.slot, error.drive]).toEqual([7, 0]);
    expect(error.message).toBe(
      "Slot 7 is empty: there is no tape to load into drive 0 (element address 4102).",
    );
  });

  it("error-unload-destination-full-asc3b-ascq0d-reconstructed.txt: the slot to unload into is full", () => {
    const error = failedWith("error-unload-destination-full-asc3b-ascq0d-reconstructed.txt", {
      operation: "unload",
      drive: 0,
      slot: 7,
    });
    expect(error).toBeInstanceOf(MtxDestinationFullError);
    expect(error.code).toBe("MTX_DESTINATION_FULL");
    expect((error as MtxDestinationFullError).elementAddress).toBe(4102);
    expect(error.message).toBe(
      "Slot 7 is already full: drive 0 cannot unload into it (element address 4102).",
    );
  });

  it("error-open-device-busy-reconstructed.txt: the changer device is held by another process", () => {
    const error = failedWith("error-open-device-busy-reconstructed.txt", { operation: "status" });
    expect(error).toBeInstanceOf(MtxDeviceBusyError);
    expect(error.code).toBe("MTX_DEVICE_BUSY");
    expect(error.isDeviceBusy()).toBe(true);
    expect((error as MtxDeviceBusyError).device).toBe("/dev/sg3");
    expect(error.hint).toContain("fuser -v /dev/sg3");
  });

  it("every error-, load-, unload- and next- fixture has a test", () => {
    const moveLike = fs
      .readdirSync(MTX_FIXTURE_DIR)
      .filter((name) => /^(error|load|unload|next)-/.test(name))
      .sort();
    expect(moveLike.length).toBeGreaterThan(0);
    expect([...covered].sort()).toEqual(moveLike);
  });
});

describe("mtxErrorFromOutput on mtx's other messages", () => {
  it("reads the error when mtx was run by its full path", () => {
    const error = mtxErrorFromOutput({
      stdout: "",
      stderr: "/usr/sbin/mtx: Storage Element 3 is Already Full\n",
      exitCode: 1,
    });
    expect(error).toBeInstanceOf(MtxSlotFullError);
    expect(error.slot).toBe(3);
  });

  it("names other open failures with the reason", () => {
    const error = mtxErrorFromOutput(
      {
        stdout: "",
        stderr: "mtx: cannot open SCSI device '/dev/sg9' - No such file or directory\n",
        exitCode: 1,
      },
      { operation: "status" },
    );
    expect(error.code).toBe("MTX_DEVICE_OPEN_FAILED");
    expect(error.message).toBe(
      "Cannot open the changer device /dev/sg9: No such file or directory.",
    );
  });

  it("says when mtx was stopped by a signal", () => {
    const error = mtxErrorFromOutput(
      { stdout: "", stderr: "", exitCode: null, signal: "SIGKILL" },
      { operation: "transfer", fromSlot: 3, toSlot: 21 },
    );
    expect(error).toBeInstanceOf(MtxMoveFailedError);
    expect([error.slot, error.toSlot]).toEqual([3, 21]);
    expect(error.message).toBe(
      "mtx failed while moving the tape in slot 3 to slot 21: mtx was stopped by SIGKILL.",
    );
  });

  it("reads a failed status that is not 'not ready' as MTX_STATUS_FAILED", () => {
    const error = mtxErrorFromOutput(
      {
        stdout: "",
        stderr: [
          "mtx: Request Sense: Error Code=70 (Current)",
          "mtx: Request Sense: Sense Key=Unit Attention",
          "mtx: Request Sense: Additional Sense Code = 29",
          "mtx: Request Sense: Additional Sense Qualifier = 00",
          "mtx: READ ELEMENT STATUS Command Failed",
          "",
        ].join("\n"),
        exitCode: 1,
      },
      { operation: "status" },
    );
    expect(error.code).toBe("MTX_STATUS_FAILED");
    expect(error.message).toBe(
      "mtx could not read the library status: Unit Attention, ASC 29h, ASCQ 00h.",
    );
  });
});
