import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "../logging/index.ts";
import {
  StepResult,
  stepResultMessageId,
  stepResultSubject,
  streamNames,
  subjects,
  WorkItem,
} from "../messages/index.ts";
import {
  type CatalogClient,
  createCatalogClient,
  type RunningWorkConsumer,
  runWorkConsumer,
} from "../nats/index.ts";
import { createRunningSteps } from "./running-steps.ts";
import { createStepHandler, type StepDefinition } from "./step-handler.ts";
import { watchAbortRequests } from "./watch-abort-requests.ts";

/** What a service may tune in its step worker; left out, the defaults below apply. */
export interface StepWorkerTunables {
  /** JetStream ack wait of a step (the consumer calls working() meanwhile). Default 30 s. */
  readonly ackWaitMs?: number;
  /** Deliveries of one step before it is failed as interrupted. Default 3. */
  readonly maxRuns?: number;
  /** At most one progress report this often. Default 1 s: the status page and `watch` show it live. */
  readonly progressIntervalMs?: number;
  /** The last progress is reported again this often without news. Default 15 s. */
  readonly heartbeatMs?: number;
}

/** The tunables among a service's options, without the ones left out. */
export function tunablesOf(options: StepWorkerTunables): StepWorkerTunables {
  return {
    ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
    ...(options.maxRuns === undefined ? {} : { maxRuns: options.maxRuns }),
    ...(options.progressIntervalMs === undefined
      ? {}
      : { progressIntervalMs: options.progressIntervalMs }),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  };
}

export interface StepWorkerOptions extends StepWorkerTunables {
  /** The service: its work queue `pyt.<lib>.work.<service>.>` and its durable consumers. */
  readonly service: string;
  readonly steps: Readonly<Record<string, StepDefinition>>;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly libraryId: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Steps run at once. */
  readonly concurrency: number;
  /** This instance, named in results. */
  readonly worker: string;
  /** Default: a client of this connection. */
  readonly catalog?: CatalogClient;
}

export interface StepWorker {
  /** Stops taking steps; running ones are stopped and handed back to JetStream. */
  stop(): Promise<void>;
}

/**
 * Starts a worker service's consumers: its work queue (durable `<service>`, `concurrency`
 * steps at once, each run by {@link createStepHandler}) and the abort requests on the events
 * stream, which stop a running step of an aborted job at once.
 *
 * @example
 * const worker = await startStepWorker({ service: "verification", steps: { verify }, nc, js,
 *   libraryId, log, signal, concurrency: 2, worker: "verification@host:42" });
 */
export async function startStepWorker(options: StepWorkerOptions): Promise<StepWorker> {
  const { js, libraryId, log, signal, service } = options;
  const s = subjects(libraryId);
  const running = createRunningSteps();
  const handler = createStepHandler({
    service,
    steps: options.steps,
    catalog: options.catalog ?? createCatalogClient(options.nc, libraryId),
    report: async (result) => {
      await js.publish(stepResultSubject(libraryId), StepResult.encode(result), {
        msgID: stepResultMessageId(result),
      });
    },
    running,
    worker: options.worker,
    maxRuns: options.maxRuns ?? 3,
    progressIntervalMs: options.progressIntervalMs ?? 1_000,
    heartbeatMs: options.heartbeatMs ?? 15_000,
  });
  const consumers: RunningWorkConsumer[] = [];
  const stop = async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
  };
  try {
    consumers.push(
      await watchAbortRequests({ js, libraryId, service, steps: running, log, signal }),
    );
    consumers.push(
      await runWorkConsumer({
        js,
        stream: streamNames(libraryId).work,
        durable: service,
        filterSubject: s.workOf(service),
        message: WorkItem,
        deadLetterSubject: s.deadLetter(service),
        maxAckPending: options.concurrency,
        ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
        log,
        signal,
        handler,
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
