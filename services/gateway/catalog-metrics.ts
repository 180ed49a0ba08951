import type { Registry } from "prom-client";
import {
  type CatalogReply,
  type CatalogTape,
  JOB_DURATION_BUCKETS_SECONDS,
  JOB_KINDS,
  JOB_RUN_OUTCOMES,
  type JobKind,
} from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import {
  histogramSamples,
  oncePerScrape,
  registerScrapedFamily,
  type Sample,
} from "./scraped-family.ts";

/** What one scrape learnt from the catalog; null when it did not answer. */
export interface CatalogScrape {
  readonly statistics: CatalogReply<"job-statistics">;
  readonly tapes: readonly CatalogTape[];
}

/** The states `pytarchive_jobs` shows, each for every kind (0 when none). */
const QUEUE_STATES = ["queued", "running", "failed"] as const;

/** What each kind of done tape job did with its bytes, per drive. */
const OPERATIONS_OF_KIND: Partial<Record<JobKind, readonly string[]>> = {
  // An archive writes every byte and reads it back before the folder counts as archived.
  archive: ["written", "read_back"],
  verify: ["verified"],
  restore: ["restored"],
};
const OPERATIONS = ["written", "read_back", "verified", "restored"] as const;

/** One catalog question per scrape, answered by `job-statistics` and `tapes-list`. */
export function catalogScraper(catalog: CatalogClient): () => Promise<CatalogScrape | null> {
  return oncePerScrape(async () => {
    try {
      const [statistics, { tapes }] = await Promise.all([
        catalog.call("job-statistics", {}),
        catalog.call("tapes-list", {}),
      ]);
      return { statistics, tapes: tapes.filter((tape) => !tape.cleaning) };
    } catch {
      return null;
    }
  });
}

/**
 * The families read from the catalog at each scrape (so nothing resets with a restart of any
 * service): the queue, run durations, bytes and files per drive, last successes, running jobs'
 * last change, tapes in bytes, and whether the catalog answered. `drives`: the configured drive
 * numbers, each shown at 0 before it moved anything.
 */
export function registerCatalogFamilies(
  registry: Registry,
  scrape: () => Promise<CatalogScrape | null>,
  drives: readonly number[],
): void {
  const from = (pick: (found: CatalogScrape) => Sample[]) => async (): Promise<Sample[] | null> => {
    const found = await scrape();
    return found === null ? null : pick(found);
  };
  registerScrapedFamily(registry, {
    name: "pytarchive_catalog_up",
    help: "1 when the catalog answered this scrape's questions, else 0 (the catalog's families are then empty, not stale).",
    type: "gauge",
    read: async () => [{ value: (await scrape()) === null ? 0 : 1 }],
  });
  registerScrapedFamily(registry, {
    name: "pytarchive_jobs",
    help: "Jobs queued, running, or failed and waiting for a requeue or abort, by kind.",
    type: "gauge",
    read: from(({ statistics }) =>
      QUEUE_STATES.flatMap((state) =>
        JOB_KINDS.map((kind) => ({
          labels: { state, kind },
          value:
            statistics.states.find((row) => row.state === state && row.kind === kind)?.jobs ?? 0,
        })),
      ),
    ),
  });
  registerScrapedFamily(registry, {
    name: "pytarchive_job_duration_seconds",
    help: "Runs of jobs from their start to their end, by kind and outcome (done, failed, aborted); a requeued job's failed run stays counted.",
    type: "histogram",
    read: from(({ statistics }) =>
      JOB_KINDS.flatMap((kind) =>
        JOB_RUN_OUTCOMES.flatMap((outcome) => {
          const row = statistics.runs.find((run) => run.kind === kind && run.outcome === outcome);
          return histogramSamples(
            { kind, outcome },
            JOB_DURATION_BUCKETS_SECONDS,
            row?.buckets ?? [],
            row?.count ?? 0,
            row?.sumSeconds ?? 0,
          );
        }),
      ),
    ),
  });
  for (const [unit, field, meaning] of [
    ["bytes", "bytes", "Bytes"],
    ["files", "files", "Files"],
  ] as const) {
    registerScrapedFamily(registry, {
      name: `pytarchive_drive_${unit}_total`,
      help: `${meaning} each drive wrote, read back, verified and restored in jobs that ended done (an archive writes and reads back every file).`,
      type: "counter",
      read: from(({ statistics }) => {
        const totals = new Map<string, number>();
        const key = (drive: number, operation: string) => `${drive}\u0000${operation}`;
        for (const drive of drives) {
          for (const operation of OPERATIONS) totals.set(key(drive, operation), 0);
        }
        for (const row of statistics.moved) {
          for (const operation of OPERATIONS_OF_KIND[row.kind] ?? []) {
            const at = key(row.drive, operation);
            totals.set(at, (totals.get(at) ?? 0) + row[field]);
          }
        }
        return [...totals].map(([at, value]) => {
          const [drive, operation] = at.split("\u0000") as [string, string];
          return { labels: { drive, operation }, value };
        });
      }),
    });
  }
  registerScrapedFamily(registry, {
    name: "pytarchive_last_success_timestamp_seconds",
    help: "When a job of each kind last ended done (Unix time); 0 when none ever did.",
    type: "gauge",
    read: from(({ statistics }) =>
      JOB_KINDS.map((kind) => {
        const at = statistics.lastSuccess.find((row) => row.kind === kind)?.at;
        return { labels: { kind }, value: at === undefined ? 0 : Date.parse(at) / 1000 };
      }),
    ),
  });
  registerScrapedFamily(registry, {
    name: "pytarchive_job_last_progress_timestamp_seconds",
    help: "For each running job, when its step or progress last changed (Unix time); a repeated report is no progress.",
    type: "gauge",
    read: from(({ statistics }) =>
      statistics.running.map((job) => ({
        labels: { job_id: job.id, kind: job.kind },
        value: Date.parse(job.progressedAt) / 1000,
      })),
    ),
  });
  for (const [name, field, meaning] of [
    [
      "pytarchive_tape_used_bytes",
      "usedKiB",
      "Bytes used on each tape: LTFS's last report, or the catalog's archived folders if more.",
    ],
    [
      "pytarchive_tape_capacity_bytes",
      "capacityKiB",
      "Each tape's capacity in bytes (LTFS's, the library's or its LTO generation's), capped by [General] tape_max_size.",
    ],
  ] as const) {
    registerScrapedFamily(registry, {
      name,
      help: meaning,
      type: "gauge",
      read: from(({ tapes }) =>
        tapes.map((tape) => ({ labels: { barcode: tape.barcode }, value: tape[field] * 1024 })),
      ),
    });
  }
}
