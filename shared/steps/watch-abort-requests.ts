import type { JetStreamClient } from "@nats-io/jetstream";
import { Type } from "@sinclair/typebox";
import type { Logger } from "../logging/index.ts";
import { defineMessage, JOB_ABORT_REQUESTED, streamNames, subjects } from "../messages/index.ts";
import { type RunningWorkConsumer, runWorkConsumer } from "../nats/index.ts";
import type { RunningSteps } from "./running-steps.ts";

const AnyEvent = defineMessage("event", Type.Object({ jobId: Type.Optional(Type.String()) }));

/**
 * Stops a running step as soon as the operator aborts its job: follows the events through the
 * durable consumer `compression` on the events stream and, on `job.abort-requested`, aborts the
 * step's signal. Several instances share the consumer, so each event reaches one of them; the
 * others learn of the abort from the catalog with their next progress report.
 */
export function watchAbortRequests(options: {
  js: JetStreamClient;
  libraryId: string;
  /** The service: names the durable consumer on the events stream. */
  service: string;
  steps: RunningSteps;
  log: Logger;
  signal: AbortSignal;
}): Promise<RunningWorkConsumer> {
  const s = subjects(options.libraryId);
  const abortSubject = s.event(JOB_ABORT_REQUESTED);
  return runWorkConsumer({
    js: options.js,
    stream: streamNames(options.libraryId).events,
    durable: options.service,
    filterSubject: s.allEvents,
    message: AnyEvent,
    deadLetterSubject: s.deadLetter(options.service),
    maxAckPending: 64,
    log: options.log,
    signal: options.signal,
    handler: async (event, context) => {
      if (context.subject !== abortSubject || event.jobId === undefined) return;
      if (options.steps.stopJob(event.jobId, "operator") > 0) {
        options.log.info("abort requested: stopping the step", { jobId: event.jobId });
      }
    },
  });
}
