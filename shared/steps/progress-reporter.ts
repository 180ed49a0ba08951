import type { Logger } from "../logging/index.ts";
import type { CatalogJob } from "../messages/index.ts";
import { createRateMeter, type ProgressCounts, type ProgressRate } from "./progress-rate.ts";

/** How far a step is, for the job's progress in `pytarchive queue`. */
export interface StepProgress {
  readonly percent?: number;
  readonly text: string;
  /** Bytes and files done and in all, when the step counts them: its rate and ETA follow. */
  readonly counts?: ProgressCounts;
}

/** A report as it is sent: the step's words and numbers, with the rate measured here. */
export interface MeasuredProgress extends StepProgress {
  readonly rate?: ProgressRate;
}

export interface ProgressReporter {
  /** The step's latest progress; sent at once when the last report is old enough. */
  update(progress: StepProgress): void;
  /** Sends what was not reported yet, then stops reporting. */
  close(): Promise<void>;
}

export interface ProgressReporterOptions {
  /** Records the progress in the catalog; resolves with the job as it is now (null: no longer running). */
  readonly send: (progress: MeasuredProgress) => Promise<CatalogJob | null>;
  /** Sees the job after every report, so the step can stop when it was aborted or ended elsewhere. */
  readonly onJob: (job: CatalogJob | null) => void;
  /** At most one report this often. */
  readonly intervalMs: number;
  /** Without news, the last progress is sent again this often: the scheduler's sign of life. */
  readonly heartbeatMs: number;
  readonly log: Logger;
}

/**
 * Reports a step's progress to the catalog, throttled: at most one report per interval, only
 * when something changed, and the last one again after `heartbeatMs` so that a long quiet step
 * (measuring a slow share) is still seen alive. A report that fails is logged and retried with
 * the next one; progress never stops the step.
 */
export function startProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  let latest: MeasuredProgress | null = null;
  const meter = createRateMeter();
  let version = 0;
  let sentVersion = 0;
  let lastSentAt = 0;
  let inFlight: Promise<void> | null = null;
  let closed = false;

  const sendIfDue = () => {
    if (closed || inFlight !== null || latest === null) return;
    const changed = version !== sentVersion;
    if (!changed && Date.now() - lastSentAt < options.heartbeatMs) return;
    const progress = latest;
    const sending = version;
    inFlight = options
      .send(progress)
      .then(
        (job) => {
          sentVersion = sending;
          lastSentAt = Date.now();
          options.onJob(job);
        },
        (error: unknown) => options.log.warn("could not report progress", { error }),
      )
      .finally(() => {
        inFlight = null;
      });
  };

  const timer = setInterval(sendIfDue, options.intervalMs);
  return {
    update(progress) {
      latest =
        progress.counts === undefined && progress.percent === undefined
          ? progress
          : {
              ...progress,
              rate: meter.sample(progress.counts ?? {}, progress.percent, Date.now()),
            };
      version += 1;
      if (Date.now() - lastSentAt >= options.intervalMs) sendIfDue();
    },
    async close() {
      clearInterval(timer);
      await inFlight;
      // The last word (e.g. "running ltfsck") is not lost to the throttle.
      if (version !== sentVersion && latest !== null) {
        sendIfDue();
        await inFlight;
      }
      closed = true;
    },
  };
}
