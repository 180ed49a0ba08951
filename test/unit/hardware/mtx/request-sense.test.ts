import { describe, expect, it } from "vitest";
import {
  describeRequestSense,
  isRequestSenseLine,
  parseRequestSense,
  parseRequestSenseBlocks,
} from "../../../../shared/hardware/mtx/index.ts";
import { readMtxFixture } from "./read-fixture.ts";

describe("parseRequestSense", () => {
  it("status-tandberg-1drv-7slot-unit-attention-asc28-then-success.txt: reads the long format", () => {
    const sense = parseRequestSense(
      readMtxFixture("status-tandberg-1drv-7slot-unit-attention-asc28-then-success.txt"),
    );
    expect(sense).toEqual({
      senseKey: 6,
      senseKeyName: "Unit Attention",
      asc: 0x28,
      ascq: 0x00,
      errorCode: 0x70,
      errorType: "current",
      validResidual: false,
      residual: null,
      fileMark: false,
      endOfMedium: false,
      incorrectLength: false,
      fieldInError: null,
      fieldPointer: null,
      bitPointerValid: false,
      errorInCdb: false,
      senseKeySpecificValid: false,
    });
    expect(describeRequestSense(sense as NonNullable<typeof sense>)).toBe(
      "Unit Attention, ASC 28h, ASCQ 00h",
    );
  });

  it("error-faq-aborted-command-asc4e-short-sense.txt: reads the short format of old mtx", () => {
    const sense = parseRequestSense(
      readMtxFixture("error-faq-aborted-command-asc4e-short-sense.txt"),
    );
    expect(sense).toMatchObject({ senseKey: 0x0b, asc: 0x4e, ascq: 0, errorCode: 0x70 });
    expect(sense?.validResidual).toBeNull();
  });

  it("error-unload-asc53-ascq03-removal-prevented-interleaved.txt: reads a block whose first line starts with progress text", () => {
    const blocks = parseRequestSenseBlocks(
      readMtxFixture("error-unload-asc53-ascq03-removal-prevented-interleaved.txt"),
    );
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ senseKey: 5, asc: 0x53, ascq: 0x03 });
  });

  it("splits two dumps in a row and returns the last one", () => {
    const dump = (asc: string) =>
      [
        "mtx: Request Sense: Error Code=71 (Deferred)",
        "mtx: Request Sense: Sense Key=Not Ready",
        `mtx: Request Sense: Additional Sense Code = ${asc}`,
        "mtx: Request Sense: Additional Sense Qualifier = 12",
        "mtx: Request Sense: SKSV=yes",
        "mtx: Request Sense: Field in Error = 07",
        "mtx: Request Sense: Field Pointer = 00 02",
      ].join("\n");
    const text = `${dump("04")}\nMode sense (0x1A) for Page 0x1D failed\n${dump("3A")}\n`;
    const blocks = parseRequestSenseBlocks(text);
    expect(blocks.map((b) => b.asc)).toEqual([0x04, 0x3a]);
    expect(parseRequestSense(text)).toMatchObject({
      errorType: "deferred",
      errorCode: 0x71,
      fieldInError: 7,
      fieldPointer: [0, 2],
      senseKeySpecificValid: true,
    });
  });

  it("returns null when there is no Request Sense", () => {
    expect(parseRequestSense("Loading media from Storage Element 1 into drive 0...done\n")).toBe(
      null,
    );
  });
});

describe("isRequestSenseLine", () => {
  it("accepts mtx's fields with well-formed values only", () => {
    expect(isRequestSenseLine("mtx: Request Sense: Sense Key=0x09")).toBe(true);
    expect(isRequestSenseLine("mtx: Request Sense: Residual = 00 00 00 00")).toBe(true);
    expect(isRequestSenseLine("mtx: Request Sense: Additional Sense Code = 5G")).toBe(false);
    expect(isRequestSenseLine("mtx: Request Sense: Sense Key=Sleepy")).toBe(false);
    expect(isRequestSenseLine("mtx: READ ELEMENT STATUS Command Failed")).toBe(false);
  });
});
