import { describe, expect, it } from "vitest";
import { createRateMeter } from "../../../shared/steps/progress-rate.ts";

describe("createRateMeter", () => {
  it("gives no rate before a second of samples, then bytes per second and the time left", () => {
    const meter = createRateMeter();
    const total = { bytesTotal: 100_000_000, filesTotal: 10 };
    expect(meter.sample({ ...total, bytesDone: 0, filesDone: 0 }, undefined, 0)).toEqual({});
    expect(meter.sample({ ...total, bytesDone: 5_000_000, filesDone: 1 }, undefined, 500)).toEqual(
      {},
    );
    expect(
      meter.sample({ ...total, bytesDone: 40_000_000, filesDone: 4 }, undefined, 4_000),
    ).toEqual({
      bytesPerSecond: 10_000_000,
      filesPerSecond: 1,
      etaSeconds: 6,
    });
  });

  it("measures over the last window only, so a drive that slows down shows its new speed", () => {
    const meter = createRateMeter(10_000);
    const total = { bytesTotal: 1_000_000_000 };
    meter.sample({ ...total, bytesDone: 0 }, undefined, 0);
    meter.sample({ ...total, bytesDone: 500_000_000 }, undefined, 10_000); // 50 MB/s
    meter.sample({ ...total, bytesDone: 510_000_000 }, undefined, 15_000);
    const slow = meter.sample({ ...total, bytesDone: 520_000_000 }, undefined, 20_000);
    expect(slow.bytesPerSecond).toBe(2_000_000);
    expect(slow.etaSeconds).toBe(240);
  });

  it("starts again when the counts go back (a new phase) and uses the percent without totals", () => {
    const meter = createRateMeter();
    meter.sample({ bytesDone: 90 }, undefined, 0);
    expect(meter.sample({ bytesDone: 10 }, undefined, 5_000)).toEqual({});
    const exporting = createRateMeter();
    exporting.sample({}, 10, 0);
    expect(exporting.sample({}, 20, 10_000)).toEqual({ etaSeconds: 80 });
  });

  it("has no time left when nothing moves", () => {
    const meter = createRateMeter();
    meter.sample({ bytesDone: 5, bytesTotal: 10 }, undefined, 0);
    expect(meter.sample({ bytesDone: 5, bytesTotal: 10 }, undefined, 2_000)).toEqual({
      bytesPerSecond: 0,
    });
  });
});

describe("createRateMeter under many reports", () => {
  it("keeps a bounded window when a step reports per file, and still measures", () => {
    const meter = createRateMeter();
    let rate = {};
    const started = performance.now();
    for (let file = 0; file <= 200_000; file++) {
      rate = meter.sample({ filesDone: file, filesTotal: 400_000 }, undefined, file / 10);
    }
    // 200,000 reports in 20 s of step time: a window that grew with them would take seconds.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(rate).toEqual({ filesPerSecond: 10_000, etaSeconds: 20 });
  });
});
