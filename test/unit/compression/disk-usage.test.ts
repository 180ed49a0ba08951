import { describe, expect, it } from "vitest";
import { allocatedKiB } from "../../../services/compression/engine/index.ts";

describe("allocatedKiB", () => {
  it("turns 512-byte blocks into KiB as du prints them", () => {
    expect(allocatedKiB(8n)).toBe(4);
    expect(allocatedKiB(0n)).toBe(0);
  });

  it("rounds half a KiB up, as du does", () => {
    expect(allocatedKiB(1n)).toBe(1);
    expect(allocatedKiB(9n)).toBe(5);
  });

  it("stays exact for an LTO-9 tape's worth of blocks", () => {
    expect(allocatedKiB(17_138_671_616n * 2n)).toBe(17_138_671_616);
  });
});
