import type { Metric, Registry } from "prom-client";

/** One line of a metric family: its labels, its value, and for histograms which series it is. */
export interface Sample {
  readonly labels?: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly series?: "_bucket" | "_sum" | "_count";
}

/**
 * Registers a family whose samples are computed afresh at every scrape by `read`, which answers
 * null when its source did not answer: the family then has no samples rather than stale ones.
 * prom-client's own Gauge and Histogram keep values between scrapes; these numbers live elsewhere
 * (the catalog, JetStream), so they are read, not kept.
 */
export function registerScrapedFamily(
  registry: Registry,
  family: {
    readonly name: string;
    readonly help: string;
    readonly type: "gauge" | "counter" | "histogram";
    readonly read: () => Promise<readonly Sample[] | null>;
  },
): void {
  const { name, help, type } = family;
  const metric = {
    name,
    help,
    type,
    aggregator: "sum",
    async get() {
      const samples = (await family.read()) ?? [];
      return {
        name,
        help,
        type,
        aggregator: "sum",
        values: samples.map((sample) => ({
          labels: sample.labels ?? {},
          value: sample.value,
          ...(sample.series === undefined ? {} : { metricName: `${name}${sample.series}` }),
        })),
      };
    },
  };
  registry.registerMetric(metric as unknown as Metric);
}

/**
 * The samples of one histogram series from cumulative bucket counts (`counts[i]`: observations
 * at most `bounds[i]`), its total count and sum.
 *
 * @example
 * histogramSamples({ kind: "archive" }, [60, 300], [1, 2], 3, 900); // …le="+Inf"} 3, _sum 900, _count 3
 */
export function histogramSamples(
  labels: Readonly<Record<string, string>>,
  bounds: readonly number[],
  counts: readonly number[],
  count: number,
  sum: number,
): Sample[] {
  return [
    ...bounds.map((bound, index) => ({
      labels: { ...labels, le: String(bound) },
      value: counts[index] ?? 0,
      series: "_bucket" as const,
    })),
    { labels: { ...labels, le: "+Inf" }, value: count, series: "_bucket" },
    { labels, value: sum, series: "_sum" },
    { labels, value: count, series: "_count" },
  ];
}

/**
 * `read` shared by every family of one scrape: the first family to ask starts it, the others
 * wait for the same answer, and a scrape a second later asks again.
 */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= read().finally(() => {
      setTimeout(() => {
        pending = null;
      }, 1_000).unref();
    });
    return pending;
  };
}
