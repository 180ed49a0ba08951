import { describe, expect, it } from "vitest";
import { describeRate } from "../../../services/ltfs/describe-transfer.ts";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

describe("describeRate (the summary of a write or restore)", () => {
  it("says how much, how long in the shared duration words, and how fast", () => {
    expect(describeRate(30 * GiB, 252_000)).toBe("30.0 GiB in 4 min 12 s (122 MiB/s)");
    expect(describeRate(2 * MiB, 400)).toBe("2.0 MiB in 400 ms (5.0 MiB/s)");
    expect(describeRate(2 * MiB, 4_500_000)).toBe("2.0 MiB in 1 h 15 min (466 B/s)");
  });
});
