import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { secondsFromNs } from "../../../shared/data-path/file-times.ts";

describe("secondsFromNs", () => {
  it("sets modification times exact to the microsecond through fs.utimes", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-times-"));
    const file = path.join(dir, "f");
    fs.writeFileSync(file, "");
    try {
      // Values whose microseconds a plain division by 1e9 would round down by one.
      const wanted = [
        1_700_000_000_123_456_789n,
        1_700_000_000_000_001_000n,
        1_234_567_890_999_999_999n,
        2_000_000_000_100_000_000n,
        1n,
      ];
      const got = wanted.map((ns) => {
        fs.utimesSync(file, secondsFromNs(ns), secondsFromNs(ns));
        return fs.statSync(file, { bigint: true }).mtimeNs;
      });
      expect(got).toEqual(wanted.map((ns) => ns - (ns % 1000n)));
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it("accepts the manifest's decimal strings", () => {
    expect(secondsFromNs("1700000000123456789")).toBeCloseTo(1_700_000_000.1234565, 6);
  });
});
