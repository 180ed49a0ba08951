import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  BASELINES,
  type JobMeasurement,
  jobRow,
  metricRow,
  percentile,
  perFileGrowth,
  renderReport,
} from "../../../bench/report.ts";
import { stepSeconds } from "../../../bench/step-timings.ts";
import { makeTree } from "../../../bench/trees.ts";

const GiB = 1024 ** 3;
const archiveOfLarge = (seconds: number | null, byHandSeconds: number): JobMeasurement => ({
  tree: "large",
  step: "archive",
  seconds,
  bytes: GiB,
  files: 4,
  baseline: { name: BASELINES.byHand, seconds: byHandSeconds },
});

describe("the bench's table", () => {
  it("gives a job's throughput and its speed against the baseline, and checks the issue's bar", () => {
    const slow = jobRow(archiveOfLarge(10, 7));
    expect(slow.mbPerSecond).toBeCloseTo(107.4, 1);
    expect(slow.filesPerSecond).toBeCloseTo(0.4);
    expect(slow.speedRatio).toBeCloseTo(0.7);
    expect(slow.target).toBe("≥ 0.8×");
    expect(slow.met).toBe(false);
    expect(jobRow(archiveOfLarge(8, 7)).met).toBe(true);
    const failed = jobRow({ ...archiveOfLarge(null, 7), error: "TAPE_FULL: …" });
    expect([failed.speedRatio, failed.met]).toEqual([null, false]);
  });

  it("holds a write step to 400 MB/s as well when cp -a + sync itself exceeds 450 MB/s", () => {
    const writeStep = (seconds: number, copySeconds: number) =>
      jobRow({
        tree: "large",
        step: "archive write step",
        seconds,
        bytes: 1e9,
        files: 4,
        baseline: { name: BASELINES.copy, seconds: copySeconds },
      });
    // 1 GB in 2.0 s by cp (500 MB/s); ours 2.2 s: 0.91× but 455 MB/s: met.
    expect(writeStep(2.2, 2.0).met).toBe(true);
    // cp at 500 MB/s, ours 0.9× would be 450 MB/s; at 2.6 s it is 385 MB/s: not met.
    expect(writeStep(2.6, 2.0).target).toBe("≥ 0.9× and ≥ 400 MB/s");
    expect(writeStep(2.6, 2.0).met).toBe(false);
    // A slow disk (cp 200 MB/s): the ratio alone counts.
    expect(writeStep(5.4, 5.0).target).toBe("≥ 0.9×");
    expect(writeStep(5.4, 5.0).met).toBe(true);
  });

  it("has no target where the issue sets none, and says met or NOT MET where it does", () => {
    const tinyArchive = jobRow({
      tree: "tiny",
      step: "archive",
      seconds: 100,
      bytes: 5e7,
      files: 200_000,
      baseline: { name: BASELINES.byHand, seconds: 50 },
    });
    expect([tinyArchive.target, tinyArchive.met]).toEqual([null, null]);
    const cli = metricRow({
      name: "CLI `queue` p50",
      value: 85,
      unit: "ms",
      target: { kind: "below", limit: 100 },
    });
    const memory = metricRow({
      name: "peak RSS",
      value: 1130,
      unit: "MB",
      target: { kind: "below", limit: 600 },
    });
    const table = renderReport([jobRow(archiveOfLarge(10, 7)), tinyArchive], [cli, memory]);
    expect(table).toMatch(
      /^4 × 256 MiB +archive +10\.00 +107 +0 +cp -a \+ sync, remount, sha256sum +7\.00 +0\.70× +≥ 0\.8× +NOT MET$/m,
    );
    expect(table).toMatch(/^200k tiny +archive +100\.00 .* 0\.50×$/m);
    expect(table).toMatch(/^CLI `queue` p50 +85\.0 ms +< 100 ms +met$/m);
    expect(table).toMatch(/^peak RSS +1130 MB +< 600 MB +NOT MET$/m);
  });

  it("compares the per-file time at 200k files with 20k, and takes percentiles by rank", () => {
    const restore = (tree: "small" | "tiny", seconds: number, files: number): JobMeasurement => ({
      tree,
      step: "restore",
      seconds,
      bytes: 0,
      files,
      baseline: null,
    });
    expect(
      perFileGrowth([restore("small", 10, 20_000), restore("tiny", 130, 200_000)], "restore"),
    ).toBeCloseTo(1.3);
    expect(perFileGrowth([restore("small", 10, 20_000)], "restore")).toBeNull();
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(
      percentile(
        [...Array(100).keys()].map((i) => i + 1),
        99,
      ),
    ).toBe(99);
    expect(percentile([], 99)).toBeNull();
  });
});

describe("the bench's step timings", () => {
  it("takes each step's time from the scheduler's step sent and step done lines of one job", () => {
    const line = (time: string, msg: string, jobId: string, step: string) =>
      JSON.stringify({ time, level: "info", service: "scheduler", msg, jobId, step });
    const lines = [
      line("2026-12-07T10:00:00.000Z", "step sent", "aaaa0001", "write"),
      line("2026-12-07T10:00:01.000Z", "step sent", "bbbb0002", "write"),
      "not json",
      line("2026-12-07T10:00:02.500Z", "step done", "aaaa0001", "write"),
      line("2026-12-07T10:00:02.600Z", "step sent", "aaaa0001", "verify"),
      line("2026-12-07T10:00:03.100Z", "step done", "aaaa0001", "verify"),
    ];
    expect(stepSeconds(lines, "aaaa0001")).toEqual({ write: 2.5, verify: 0.5 });
    expect(stepSeconds(lines, "bbbb0002")).toEqual({});
  });
});

describe("the bench's trees", () => {
  const folder = mkdtempSync(path.join(tmpdir(), "pyt-bench-tree-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("makes small files of 1–16 KiB and reuses a complete tree, but not a changed one", () => {
    const root = path.join(folder, "small");
    const tree = makeTree("small", root, 0.005);
    expect(tree.files).toHaveLength(100);
    const sizes = tree.files.map((file) => statSync(path.join(root, file)).size);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(tree.bytes);
    const first = path.join(root, tree.files[0] as string);
    const written = statSync(first).mtimeMs;
    expect(makeTree("small", root, 0.005).bytes).toBe(tree.bytes);
    expect(statSync(first).mtimeMs).toBe(written);
    writeFileSync(`${root}.bench-tree.json`, "{}");
    makeTree("small", root, 0.005);
    expect(statSync(first).size).toBe(sizes[0]);
    expect(statSync(first).mtimeMs).not.toBe(written);
  });
});
