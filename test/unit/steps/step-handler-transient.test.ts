import { describe, expect, it } from "vitest";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import type { StepResult } from "../../../shared/messages/job-steps.ts";
import type { CatalogClient } from "../../../shared/nats/catalog-client.ts";
import { createRunningSteps } from "../../../shared/steps/running-steps.ts";
import { createStepHandler } from "../../../shared/steps/step-handler.ts";
import { workContext } from "../../helpers/work-context.ts";
import { catalogJob } from "../gateway/fake-catalog.ts";

/*
 * A step whose work fails with a transient error (the catalog could not be reached) is handed
 * back for another delivery while runs are left; the last run allowed reports the real error,
 * so the person sees what went wrong and what to do, not "the service stopped". The catalog
 * stands in as a fake (it is another service); the scheduler is whoever receives the results.
 */

const log = createLogger({ service: "ltfs", stream: { write: () => true } });
const JOB: CatalogJob = catalogJob({
  id: "5c0ffee1",
  kind: "archive",
  args: { folder: "/data/projects/alpha", tape: "AAB001L9" },
  state: "running",
  attempts: 1,
});
const UNREACHABLE = new PytarchiveError(
  "CATALOG_UNREACHABLE",
  "Cannot reach the catalog database at postgres://db/pytarchive: connection refused.",
  { hint: "Check that PostgreSQL is running, then requeue the job." },
);

function writeStepFailing(results: StepResult[], runs: number[]) {
  const catalog: CatalogClient = {
    call: (async () => ({ job: JOB })) as CatalogClient["call"],
  };
  return createStepHandler({
    service: "ltfs",
    steps: {
      write: {
        run: async ({ deliveryCount }) => {
          runs.push(deliveryCount);
          throw UNREACHABLE;
        },
      },
    },
    catalog,
    report: async (result) => {
      results.push(result);
    },
    running: createRunningSteps(),
    worker: "ltfs@test",
    maxRuns: 3,
    progressIntervalMs: 60_000,
    heartbeatMs: 60_000,
  });
}

describe("the step handler, when the work fails with a transient error", () => {
  it("hands the step back while runs are left, then fails it with the real error and hint", async () => {
    const results: StepResult[] = [];
    const runs: number[] = [];
    const handle = writeStepFailing(results, runs);
    const deliver = (deliveryCount: number) =>
      handle(
        { jobId: JOB.id, step: "write", attempt: 1 },
        workContext({ subject: "pyt.lib1.work.ltfs", deliveryCount, log }),
      );

    await expect(deliver(1)).rejects.toMatchObject({ code: "CATALOG_UNREACHABLE" });
    await expect(deliver(2)).rejects.toMatchObject({ code: "CATALOG_UNREACHABLE" });
    expect(results).toEqual([]);

    await deliver(3);
    expect(runs).toEqual([1, 2, 3]);
    expect(results).toMatchObject([
      {
        jobId: JOB.id,
        step: "write",
        outcome: "failed",
        error: {
          code: "CATALOG_UNREACHABLE",
          message: UNREACHABLE.message,
          hint: "Check that PostgreSQL is running, then requeue the job.",
        },
      },
    ]);
  });
});
