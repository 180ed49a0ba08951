import { describe, expect, it } from "vitest";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import {
  defaultRetryDelayMs,
  errorInfoOf,
  PermanentWorkError,
  RetryWorkError,
  workMessageId,
} from "../../../shared/nats/index.ts";

describe("errorInfoOf", () => {
  it("keeps a PytarchiveError's code, message and hint", () => {
    expect(
      errorInfoOf(
        new PytarchiveError("TAPE_TOO_FULL", "Tape AAK788L9 is full.", {
          hint: "Use another tape.",
        }),
      ),
    ).toEqual({
      code: "TAPE_TOO_FULL",
      message: "Tape AAK788L9 is full.",
      hint: "Use another tape.",
    });
  });

  it("marks any other error as unexpected, with its name and message", () => {
    expect(errorInfoOf(new TypeError("x is undefined"))).toEqual({
      code: "UNEXPECTED_ERROR",
      message: "TypeError: x is undefined",
    });
    expect(errorInfoOf("a string")).toEqual({ code: "UNEXPECTED_ERROR", message: "a string" });
  });

  it("treats work errors as PytarchiveErrors", () => {
    expect(new PermanentWorkError("TAPE_NOT_IN_LIBRARY", "No such tape.")).toBeInstanceOf(
      PytarchiveError,
    );
    const retry = new RetryWorkError("MTX_DEVICE_BUSY", "The library is busy.", { delayMs: 5_000 });
    expect(retry.delayMs).toBe(5_000);
    expect(errorInfoOf(retry)).toEqual({
      code: "MTX_DEVICE_BUSY",
      message: "The library is busy.",
    });
  });
});

describe("work helpers", () => {
  it("backs off 1 s, 2 s, 4 s … and never more than a minute", () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(defaultRetryDelayMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000,
    ]);
  });

  it("gives each job step attempt its own message id", () => {
    expect(workMessageId({ jobId: "3fa2b1c0", step: "copy", attempt: 2 })).toBe("3fa2b1c0.copy.2");
  });
});
