/**
 * What `npm run bench` reports: each timed pytarchive job beside its by-hand baseline, the other
 * measures (linearity, gateway latency, memory, CLI start), the issue's target for each and
 * whether it was met. Pure: the bench feeds it numbers, the test feeds it made-up ones.
 */

/** The bench's trees: 4 × 256 MiB, 20,000 small files, 200,000 tiny files. */
export type TreeKey = "large" | "small" | "tiny";
export type JobStep = "archive" | "archive write step" | "verify" | "restore";

/** The baselines, done by hand on the same kind of tape image. */
export const BASELINES = {
  copy: "cp -a + sync",
  byHand: "cp -a + sync, remount, sha256sum",
  sha256sum: "sha256sum of the copy",
  copyBack: "cp -a back",
} as const;
export type BaselineName = (typeof BASELINES)[keyof typeof BASELINES];

/** One pytarchive job (or step of one) timed against one baseline in the same run. */
export interface JobMeasurement {
  readonly tree: TreeKey;
  readonly step: JobStep;
  /** From the CLI command to the job's end; null when the job did not end done. */
  readonly seconds: number | null;
  /** Why the job did not end done. */
  readonly error?: string;
  readonly bytes: number;
  readonly files: number;
  readonly baseline: { readonly name: BaselineName; readonly seconds: number } | null;
}

/** A measure that is one number with a bound. */
export interface Metric {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  /** Met when value < limit ("below") or value ≥ limit ("at least"). */
  readonly target: { readonly kind: "below" | "at least"; readonly limit: number } | null;
  readonly note?: string;
}

/** The issue's bar for a job against a baseline: speed ratio (baseline time / ours) at least this. */
export function ratioTarget(tree: TreeKey, step: JobStep, baseline: BaselineName): number | null {
  if (step === "restore" && baseline === BASELINES.copyBack) return 0.8;
  if (step === "verify" && baseline === BASELINES.sha256sum) return 0.9;
  if (step === "archive" && baseline === BASELINES.byHand) {
    if (tree === "large") return 0.8;
    if (tree === "small") return 0.6;
  }
  if (step === "archive write step" && baseline === BASELINES.copy && tree === "large") return 0.9;
  return null;
}

/** A write step must also reach 400 MB/s wherever cp -a + sync itself exceeds 450 MB/s. */
const STREAMING_FLOOR_MBPS = 400;
const STREAMING_BASELINE_MBPS = 450;

export interface JobRow extends JobMeasurement {
  readonly mbPerSecond: number | null;
  readonly filesPerSecond: number | null;
  readonly baselineMbPerSecond: number | null;
  /** Baseline time / pytarchive time: 1 is as fast as by hand, 0.5 half as fast. */
  readonly speedRatio: number | null;
  readonly target: string | null;
  readonly met: boolean | null;
}

const MB = 1_000_000;

/** Adds throughputs, the speed ratio, the target and whether it was met. */
export function jobRow(measurement: JobMeasurement): JobRow {
  const { seconds, baseline, bytes, files } = measurement;
  const mbPerSecond = seconds === null || seconds <= 0 ? null : bytes / MB / seconds;
  const baselineMbPerSecond =
    baseline === null || baseline.seconds <= 0 ? null : bytes / MB / baseline.seconds;
  const speedRatio =
    seconds === null || baseline === null || seconds <= 0 ? null : baseline.seconds / seconds;
  const minimum =
    baseline === null ? null : ratioTarget(measurement.tree, measurement.step, baseline.name);
  const floor =
    measurement.step === "archive write step" &&
    baselineMbPerSecond !== null &&
    baselineMbPerSecond > STREAMING_BASELINE_MBPS
      ? STREAMING_FLOOR_MBPS
      : null;
  const target =
    minimum === null ? null : `≥ ${minimum}×${floor === null ? "" : ` and ≥ ${floor} MB/s`}`;
  const met =
    minimum === null
      ? null
      : speedRatio !== null &&
        speedRatio >= minimum &&
        (floor === null || (mbPerSecond !== null && mbPerSecond >= floor));
  return {
    ...measurement,
    mbPerSecond,
    filesPerSecond: seconds === null || seconds <= 0 ? null : files / seconds,
    baselineMbPerSecond,
    speedRatio,
    target,
    met,
  };
}

export interface MetricRow extends Metric {
  readonly met: boolean | null;
}

export function metricRow(metric: Metric): MetricRow {
  const { value, target } = metric;
  const met =
    target === null
      ? null
      : value !== null && (target.kind === "below" ? value < target.limit : value >= target.limit);
  return { ...metric, met };
}

/**
 * Per-file time of a step at 200k files over its value at 20k files; the bar is 1.3 (linear).
 * Null when either job did not end done.
 */
export function perFileGrowth(
  measurements: readonly JobMeasurement[],
  step: JobStep,
): number | null {
  const perFile = (tree: TreeKey) => {
    const found = measurements.find((m) => m.tree === tree && m.step === step);
    return found === undefined || found.seconds === null || found.files === 0
      ? null
      : found.seconds / found.files;
  };
  const small = perFile("small");
  const tiny = perFile("tiny");
  return small === null || tiny === null || small === 0 ? null : tiny / small;
}

/** The nearest-rank percentile (p in 0..100) of some samples; null when there are none. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

export const TREE_TITLES: Readonly<Record<TreeKey, string>> = {
  large: "4 × 256 MiB",
  small: "20k × 1–16 KiB",
  tiny: "200k tiny",
};

const fixed = (value: number | null, digits: number) =>
  value === null ? "—" : value.toFixed(digits);
const verdict = (met: boolean | null) => (met === null ? "" : met ? "met" : "NOT MET");

/** Lays out rows under a header, columns padded to their widest cell. */
export function formatColumns(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)]
    .join("\n")
    .concat("\n");
}

/** The table the bench prints. */
export function renderReport(jobs: readonly JobRow[], metrics: readonly MetricRow[]): string {
  const jobTable = formatColumns(
    ["tree", "step", "time s", "MB/s", "files/s", "baseline", "base s", "ratio", "target", ""],
    jobs.map((row) => [
      TREE_TITLES[row.tree],
      row.step,
      row.seconds === null ? `failed: ${row.error ?? "?"}` : row.seconds.toFixed(2),
      fixed(row.mbPerSecond, 0),
      fixed(row.filesPerSecond, 0),
      row.baseline?.name ?? "—",
      fixed(row.baseline?.seconds ?? null, 2),
      row.speedRatio === null ? "—" : `${row.speedRatio.toFixed(2)}×`,
      row.target ?? "",
      verdict(row.met),
    ]),
  );
  const metricTable = formatColumns(
    ["measure", "value", "target", ""],
    metrics.map((row) => [
      row.name,
      row.value === null
        ? `— ${row.note ?? ""}`.trimEnd()
        : `${formatValue(row.value)} ${row.unit}${row.note === undefined ? "" : ` (${row.note})`}`,
      row.target === null
        ? ""
        : `${row.target.kind === "below" ? "<" : "≥"} ${row.target.limit} ${row.unit}`,
      verdict(row.met),
    ]),
  );
  return `${jobTable}\n${metricTable}`;
}

function formatValue(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
