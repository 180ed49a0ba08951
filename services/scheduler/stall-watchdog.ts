import type { PlannedStep } from "./job-plans.ts";

/** A running job whose worker has said nothing for longer than the stall timeout. */
export interface SilentJob<J> {
  readonly job: J;
  readonly silentForMs: number;
  /** The step this process last sent for it (null: none since this process started). */
  readonly step: PlannedStep | null;
}

/**
 * When each running job last showed signs of life (first seen, step first sent, progress
 * reported), and which step it was last sent. In memory only: a restarted scheduler starts
 * counting anew.
 */
export interface StallWatchdog {
  /**
   * A step was sent (or tried) for the job's `attempt`: its silence counts from `at`, waiting on
   * `step`. Sending the same step of the same attempt again (a resend after a refusal, a look
   * after a crash) does not restart it, so a step that can never be sent still times out.
   */
  stepSent(jobId: string, attempt: number, step: PlannedStep, at: number): void;
  /** The job's worker reported progress; jobs not watched yet stay so (the next look adds them). */
  heard(jobId: string, at: number): void;
  /**
   * Jobs among `running` silent for longer than the stall timeout at `at`. A job seen for the
   * first time is watched from `at`; watched jobs no longer running are forgotten.
   */
  silent<J extends { readonly id: string }>(running: readonly J[], at: number): SilentJob<J>[];
  forget(jobId: string): void;
}

interface Watched {
  readonly lastHeardAt: number;
  readonly step: PlannedStep | null;
  readonly attempt: number | null;
}

/**
 * @example
 * const watchdog = createStallWatchdog(600_000);
 * watchdog.silent(running, Date.now()); // [] until a job says nothing for 10 minutes
 */
export function createStallWatchdog(stallTimeoutMs: number): StallWatchdog {
  const watched = new Map<string, Watched>();
  return {
    stepSent: (jobId, attempt, step, at) => {
      const known = watched.get(jobId);
      if (known?.attempt === attempt && known.step?.step === step.step) return;
      watched.set(jobId, { lastHeardAt: at, step, attempt });
    },
    heard: (jobId, at) => {
      const known = watched.get(jobId);
      if (known !== undefined) watched.set(jobId, { ...known, lastHeardAt: at });
    },
    silent: (running, at) => {
      const ids = new Set(running.map((job) => job.id));
      for (const jobId of [...watched.keys()]) if (!ids.has(jobId)) watched.delete(jobId);
      const silent: SilentJob<(typeof running)[number]>[] = [];
      for (const job of running) {
        const known = watched.get(job.id);
        if (known === undefined) {
          watched.set(job.id, { lastHeardAt: at, step: null, attempt: null });
          continue;
        }
        const silentForMs = at - known.lastHeardAt;
        if (silentForMs > stallTimeoutMs) silent.push({ job, silentForMs, step: known.step });
      }
      return silent;
    },
    forget: (jobId) => {
      watched.delete(jobId);
    },
  };
}
