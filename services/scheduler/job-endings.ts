import { PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { CatalogJob } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { type Action, isCommitted } from "./decide.ts";

type Ending<K extends "fail" | "abort" | "finish"> = Extract<Action, { kind: K }>;

/** How the executor ends a job in the catalog: failed, aborted or done. */
export interface JobEndings {
  fail(job: CatalogJob, action: Ending<"fail">): Promise<void>;
  abort(job: CatalogJob, action: Ending<"abort">): Promise<void>;
  finish(job: CatalogJob, action: Ending<"finish">): Promise<void>;
}

/**
 * The catalog calls that end a job. A job someone ended meanwhile (a requeue, an abort) is left
 * as it is; either way `forget` drops what the scheduler kept about it.
 */
export function createJobEndings(
  catalog: CatalogClient,
  log: Logger,
  forget: (jobId: string) => void,
): JobEndings {
  const endJob = async (jobId: string, what: string, end: () => Promise<unknown>) => {
    try {
      await end();
    } catch (error) {
      if (
        error instanceof PytarchiveError &&
        (error.code === "JOB_STATE_CONFLICT" || error.code === "UNKNOWN_JOB")
      ) {
        log.info(`could not ${what}: it changed meanwhile`, { jobId, reason: error.message });
        return;
      }
      throw error;
    } finally {
      forget(jobId);
    }
  };

  return {
    async fail(job, { step, error, folderFailed }) {
      if (folderFailed !== null) {
        await catalog.call("folder-failed", { jobId: job.id, path: folderFailed, error });
      }
      await endJob(job.id, "fail the job", () =>
        catalog.call("job-fail", { id: job.id, attempt: job.attempts, step, error }),
      );
      // A committed job (its folder archived) fails too, its error saying first that it stands.
      const message = isCommitted(job)
        ? "job failed after its commit: its result stands"
        : "job failed";
      log.warn(message, { jobId: job.id, kind: job.kind, step, code: error.code });
    },
    async abort(job, { reason, preparedAgain }) {
      if (preparedAgain !== null) {
        await catalog.call("folder-failed", { jobId: job.id, ...preparedAgain });
      }
      await endJob(job.id, "mark the job aborted", () =>
        catalog.call("job-abort-ack", {
          id: job.id,
          attempt: job.attempts,
          ...(reason === null ? {} : { reason }),
        }),
      );
      log.info("job aborted", { jobId: job.id, kind: job.kind });
    },
    async finish(job, { summary }) {
      await endJob(job.id, "finish the job", () =>
        catalog.call("job-finish", {
          id: job.id,
          attempt: job.attempts,
          ...(summary === null ? {} : { summary }),
        }),
      );
      log.info("job done", { jobId: job.id, kind: job.kind, summary: summary ?? undefined });
    },
  };
}
