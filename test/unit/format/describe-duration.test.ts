import { describe, expect, it } from "vitest";
import { describeDuration } from "../../../shared/format/describe-duration.ts";

describe("describeDuration", () => {
  it.each([
    [0, "0 ms"],
    [499.6, "500 ms"],
    [1_000, "1 s"],
    [1_500, "1.5 s"],
    [59_940, "59.9 s"],
    [60_000, "1 min"],
    [580_000, "9 min 40 s"],
    [3_600_000, "1 h"],
    [3_630_000, "1 h"],
    [7_260_000, "2 h 1 min"],
    [90_000_000, "1 d 1 h"],
    [604_800_000, "7 d"],
    [-5, "0 ms"],
    [Number.NaN, "0 ms"],
  ])("%s ms reads %s", (ms, text) => {
    expect(describeDuration(ms)).toBe(text);
  });
});
