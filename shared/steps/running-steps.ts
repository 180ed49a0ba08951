/**
 * Why a running step was stopped: the operator aborted the job, the service is stopping (the
 * step is handed back to JetStream and runs again later), or the job no longer runs (it was
 * failed or requeued elsewhere, so nobody waits for this run).
 */
export type StopReason = "operator" | "stopping" | "gone";

export interface RunningStep {
  readonly jobId: string;
  /** Aborted when the step is stopped; hand it to the engine. */
  readonly signal: AbortSignal;
  /** Why it was stopped, or null while it runs. */
  readonly stopReason: () => StopReason | null;
  /** Stops the step; the first reason given sticks. */
  stop(reason: StopReason): void;
}

export interface RunningSteps {
  /**
   * Registers a step run under `key` (`<job>.<step>.<attempt>`); null when that run is already
   * going. A step that `ignoresAbort` (it releases a drive) is not stopped by an operator's abort.
   */
  begin(key: string, jobId: string, options?: { ignoresAbort?: boolean }): RunningStep | null;
  end(key: string): void;
  /** Stops every running step of `jobId`; returns how many. */
  stopJob(jobId: string, reason: StopReason): number;
}

/**
 * The steps this process runs, so that an abort request can reach the right one.
 *
 * @example
 * const step = steps.begin("3fa2b1c0.prepare.1", "3fa2b1c0");
 * steps.stopJob("3fa2b1c0", "operator"); // step.signal.aborted === true
 */
export function createRunningSteps(): RunningSteps {
  const steps = new Map<string, RunningStep>();
  return {
    begin(key, jobId, options = {}) {
      if (steps.has(key)) return null;
      const ignoresAbort = options.ignoresAbort === true;
      const controller = new AbortController();
      let reason: StopReason | null = null;
      const step: RunningStep = {
        jobId,
        signal: controller.signal,
        stopReason: () => reason,
        stop(why) {
          if (reason !== null || (why === "operator" && ignoresAbort)) return;
          reason = why;
          controller.abort(new Error(`step stopped: ${why}`));
        },
      };
      steps.set(key, step);
      return step;
    },
    end(key) {
      steps.delete(key);
    },
    stopJob(jobId, reason) {
      let stopped = 0;
      for (const step of steps.values()) {
        if (step.jobId !== jobId) continue;
        step.stop(reason);
        stopped += 1;
      }
      return stopped;
    },
  };
}
