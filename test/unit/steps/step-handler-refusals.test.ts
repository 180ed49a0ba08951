import { describe, expect, it } from "vitest";
import { createLogger } from "../../../shared/logging/index.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import type { StepResult } from "../../../shared/messages/job-steps.ts";
import type { CatalogClient } from "../../../shared/nats/catalog-client.ts";
import { createRunningSteps } from "../../../shared/steps/running-steps.ts";
import { createStepHandler, type StepDefinition } from "../../../shared/steps/step-handler.ts";
import { workContext } from "../../helpers/work-context.ts";
import { catalogJob } from "../gateway/fake-catalog.ts";

/*
 * The results a service's step handler gives without running the work: a step it does not do,
 * a step whose service stopped under it too often, and none for a step the job has moved on from. The catalog stands in as a fake (it is
 * another service); the scheduler is whoever receives the results.
 */

const log = createLogger({ service: "compression", stream: { write: () => true } });
const JOB: CatalogJob = catalogJob({
  id: "3fa2b1c0",
  kind: "prepare",
  args: { folder: "/data/projects/alpha", description: "Alpha", compress: false },
  state: "running",
  attempts: 1,
});

function handlerReporting(results: StepResult[], ran: string[], job: CatalogJob = JOB) {
  const catalog: CatalogClient = {
    call: (async () => ({ job })) as CatalogClient["call"],
  };
  const measure: StepDefinition = {
    run: async () => {
      ran.push("measure");
      return { summary: "measured" };
    },
  };
  return createStepHandler({
    service: "compression",
    steps: { measure },
    catalog,
    report: async (result) => {
      results.push(result);
    },
    running: createRunningSteps(),
    worker: "compression@test",
    maxRuns: 3,
    progressIntervalMs: 60_000,
    heartbeatMs: 60_000,
  });
}

function delivery(deliveryCount: number) {
  return workContext({ subject: "pyt.lib1.work.compression", deliveryCount, log });
}

describe("the step handler", () => {
  it("fails a step the service does not do with UNKNOWN_STEP, naming the steps it does", async () => {
    const results: StepResult[] = [];
    const ran: string[] = [];
    await handlerReporting(results, ran)({ jobId: JOB.id, step: "pack", attempt: 1 }, delivery(1));
    expect(ran).toEqual([]);
    expect(results).toMatchObject([
      {
        jobId: JOB.id,
        step: "pack",
        outcome: "failed",
        error: {
          code: "UNKNOWN_STEP",
          message: 'The compression service was asked for step "pack"; it does measure.',
        },
      },
    ]);
  });

  it("fails a step delivered more often than allowed with STEP_INTERRUPTED, without running it", async () => {
    const results: StepResult[] = [];
    const ran: string[] = [];
    const handle = handlerReporting(results, ran);
    await handle({ jobId: JOB.id, step: "measure", attempt: 1 }, delivery(4));
    expect(ran).toEqual([]);
    expect(results).toMatchObject([
      { step: "measure", outcome: "failed", error: { code: "STEP_INTERRUPTED" } },
    ]);
    expect(results[0]?.error?.hint).toBe(
      `Check the compression service's log for why it stopped, then \`pytarchive requeue ${JOB.id}\`.`,
    );

    await handle({ jobId: JOB.id, step: "measure", attempt: 1 }, delivery(3));
    expect(ran).toEqual(["measure"]);
    expect(results[1]).toMatchObject({ step: "measure", outcome: "done", summary: "measured" });
  });

  it("drops a delivery of a step the job has moved on from, without running or reporting it", async () => {
    // The job is in step `pack` (the catalog's currentStep): `measure` ended and its ack was
    // lost, so JetStream delivered it again after the ack wait.
    const results: StepResult[] = [];
    const ran: string[] = [];
    const movedOn = catalogJob({ ...JOB, currentStep: "pack" });
    await handlerReporting(
      results,
      ran,
      movedOn,
    )({ jobId: JOB.id, step: "measure", attempt: 1 }, delivery(2));
    expect(ran).toEqual([]);
    expect(results).toEqual([]);

    // The step the job is in runs, as does any step of a job that never recorded one.
    const inMeasure = catalogJob({ ...JOB, currentStep: "measure" });
    await handlerReporting(
      results,
      ran,
      inMeasure,
    )({ jobId: JOB.id, step: "measure", attempt: 1 }, delivery(2));
    await handlerReporting(results, ran)(
      { jobId: JOB.id, step: "measure", attempt: 1 },
      delivery(1),
    );
    expect(ran).toEqual(["measure", "measure"]);
    expect(results).toMatchObject([
      { step: "measure", outcome: "done" },
      { step: "measure", outcome: "done" },
    ]);
  });
});
