import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "../logging/index.ts";
import {
  DeadLetter,
  type ErrorInfo,
  JobProgress,
  type MessageDefinition,
  MessageSchemaError,
} from "../messages/index.ts";
import { ensureConsumer } from "./ensure-jetstream.ts";
import { sleep } from "./sleep.ts";
import { errorInfoOf, PermanentWorkError, RetryWorkError } from "./work-errors.ts";

/** What a work handler gets besides the decoded message. */
export interface WorkContext {
  readonly subject: string;
  /** 1 on the first delivery; grows with every retry or redelivery. */
  readonly deliveryCount: number;
  readonly streamSequence: number;
  /** Aborted when the consumer stops; long steps should stop and throw. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * Tells JetStream the step is still running, so it is not redelivered. The consumer already
   * calls it every ackWait/3 while the handler runs; call it yourself only around a step that
   * blocks the event loop.
   */
  working(): void;
  /** Reports progress: publishes a job.progress event (when configured) and calls working(). */
  progress(update: { jobId: string; step: string; percent?: number; text?: string }): Promise<void>;
}

export type WorkHandler<T> = (message: T, context: WorkContext) => Promise<void>;

export interface RunWorkConsumerOptions<T> {
  readonly js: JetStreamClient;
  readonly stream: string;
  /** Durable consumer name, e.g. the service name. Created or updated at start. */
  readonly durable: string;
  /** e.g. `subjects(lib).workOf("ltfs")`. */
  readonly filterSubject: string;
  /** Schema of the messages; one that does not fit is dead-lettered at once. */
  readonly message: MessageDefinition<T>;
  /**
   * Does the work. Must be idempotent: delivery is at least once (a crash after the work and
   * before the ack repeats it). Resolve = done (acknowledged). Throw PermanentWorkError = give up
   * (dead letter); RetryWorkError = try again after its delay; anything else = try again after
   * the back-off, until maxDeliver deliveries, then dead letter.
   */
  readonly handler: WorkHandler<T>;
  /** Where given-up messages go, e.g. `subjects(lib).deadLetter("ltfs")`. */
  readonly deadLetterSubject: string;
  /** Where progress() publishes job.progress events, e.g. `subjects(lib).event(JOB_EVENTS.progress)`. */
  readonly progressSubject?: string;
  /** Messages handled at once (and JetStream's max_ack_pending). Default 1. */
  readonly maxAckPending?: number;
  /** How long JetStream waits for an ack or working() before redelivering. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Deliveries before a failing message is dead-lettered. Default 5. */
  readonly maxDeliver?: number;
  /** Delay before a failed delivery is retried. Default 1 s, 2 s, 4 s … up to 60 s. */
  readonly retryDelayMs?: (deliveryCount: number) => number;
  /** Stops the consumer when aborted (same as stop()). */
  readonly signal?: AbortSignal;
  readonly log: Logger;
}

export interface RunningWorkConsumer {
  /** Stops fetching, aborts running handlers' signals, waits for them to settle. */
  stop(): Promise<void>;
  /** Resolves once the consumer has stopped. */
  readonly finished: Promise<void>;
}

const DEFAULT_ACK_WAIT_MS = 30_000;
const DEFAULT_MAX_DELIVER = 5;
const RESTART_DELAY_MS = 1_000;
/**
 * How long one pull request waits on the server. The client notices a pull that was lost (the
 * consumer's leader was a cluster node that went away) after two missed heartbeats, each half
 * of this: 5 s instead of 30 s with nats.js's default, at the cost of one small request every 5 s.
 */
const PULL_EXPIRES_MS = 5_000;
/** How long a step handed back by a stopping consumer waits before it is delivered again. */
const STOPPED_REDELIVERY_DELAY_MS = 2_000;

export function defaultRetryDelayMs(deliveryCount: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, deliveryCount - 1));
}

/**
 * Runs a durable pull consumer: ensures the consumer exists, then hands each message to the
 * handler, at most `maxAckPending` at a time, until stopped. Survives server restarts (the client
 * reconnects and pulls again) and restarts the pull loop if it ever ends.
 *
 * The JetStream consumer is created with max_deliver = maxDeliver + 1: when the last allowed
 * delivery was never acknowledged (its worker crashed or hung), the extra delivery is
 * dead-lettered without running the handler again, rather than left silently in the stream.
 *
 * @example
 * const consumer = await runWorkConsumer({
 *   js, stream: streamNames(lib).work, durable: "ltfs", filterSubject: subjects(lib).workOf("ltfs"),
 *   message: WorkItem, deadLetterSubject: subjects(lib).deadLetter("ltfs"),
 *   handler: async (item, ctx) => { await copyFolder(item.jobId, ctx.signal); },
 *   log, signal,
 * });
 * // … later
 * await consumer.stop();
 */
export async function runWorkConsumer<T>(
  options: RunWorkConsumerOptions<T>,
): Promise<RunningWorkConsumer> {
  const maxAckPending = options.maxAckPending ?? 1;
  const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const log = options.log.child({ consumer: options.durable, stream: options.stream });
  const jsm = await options.js.jetstreamManager();
  const consumerSpec = {
    stream: options.stream,
    durable: options.durable,
    filterSubject: options.filterSubject,
    ackWaitMs,
    maxDeliver: maxDeliver + 1,
    maxAckPending,
  };
  await ensureConsumer(jsm, consumerSpec);

  const stopping = new AbortController();
  let currentMessages: ConsumerMessages | null = null;
  const inFlight = new Set<Promise<void>>();
  let freeSlot: (() => void) | null = null;

  const deadLetter = async (message: JsMsg, error: ErrorInfo): Promise<void> => {
    const letter = DeadLetter.encode({
      stream: options.stream,
      consumer: options.durable,
      subject: message.subject,
      streamSequence: message.seq,
      deliveryCount: message.info.deliveryCount,
      error,
      payload: new TextDecoder().decode(message.data),
      at: new Date().toISOString(),
    });
    try {
      // The id makes a repeated dead-lettering (crash before term) a no-op.
      await options.js.publish(options.deadLetterSubject, letter, {
        msgID: `${options.stream}.${message.seq}`,
      });
    } catch (cause) {
      log.error("could not publish a dead letter; the message will be retried", {
        subject: message.subject,
        streamSequence: message.seq,
        error: cause,
      });
      message.nak(RESTART_DELAY_MS * 30);
      return;
    }
    // Plain term(): nats-server 2.9 does not understand term("reason") and would redeliver.
    message.term();
    log.error("gave up on a message; it is in the dead-letter stream", {
      subject: message.subject,
      streamSequence: message.seq,
      deliveryCount: message.info.deliveryCount,
      deadLetterSubject: options.deadLetterSubject,
      code: error.code,
      reason: error.message,
    });
  };

  const handle = async (message: JsMsg): Promise<void> => {
    const deliveryCount = message.info.deliveryCount;
    const messageLog = log.child({
      subject: message.subject,
      streamSequence: message.seq,
      deliveryCount,
    });
    if (deliveryCount > maxDeliver) {
      await deadLetter(message, {
        code: "WORK_DELIVERIES_EXHAUSTED",
        message: `Gave up after ${maxDeliver} deliveries; the last one was never acknowledged (its worker stopped or hung).`,
      });
      return;
    }
    let decoded: T;
    try {
      decoded = options.message.decode(message.data);
    } catch (error) {
      await deadLetter(message, errorInfoOf(error));
      return;
    }
    const handlerAbort = new AbortController();
    const onStop = () => handlerAbort.abort(stopping.signal.reason);
    stopping.signal.addEventListener("abort", onStop, { once: true });
    // Why: without working() JetStream redelivers after ackWait while the step still runs.
    const heartbeat = setInterval(
      () => message.working(),
      Math.max(100, Math.floor(ackWaitMs / 3)),
    );
    const context: WorkContext = {
      subject: message.subject,
      deliveryCount,
      streamSequence: message.seq,
      signal: handlerAbort.signal,
      log: messageLog,
      working: () => message.working(),
      progress: async (update) => {
        message.working();
        if (options.progressSubject === undefined) return;
        try {
          await options.js.publish(
            options.progressSubject,
            JobProgress.encode({ ...update, at: new Date().toISOString() }),
          );
        } catch (error) {
          messageLog.warn("could not publish progress", { error });
        }
      },
    };
    let failure: { error: unknown } | null = null;
    try {
      await options.handler(decoded, context);
    } catch (error) {
      failure = { error };
    } finally {
      clearInterval(heartbeat);
      stopping.signal.removeEventListener("abort", onStop);
    }
    if (failure !== null) {
      await settleFailure(message, failure.error, messageLog);
      return;
    }
    try {
      await message.ackAck();
    } catch (error) {
      // Redelivery follows; the handler is idempotent, so this costs time, not correctness.
      messageLog.warn("acknowledgement not confirmed; the message may be delivered again", {
        error,
      });
    }
  };

  const settleFailure = async (
    message: JsMsg,
    error: unknown,
    messageLog: Logger,
  ): Promise<void> => {
    const deliveryCount = message.info.deliveryCount;
    if (stopping.signal.aborted) {
      messageLog.info("stopped during a step; it will be delivered again", { error });
      // Not at once: this instance's pull request is still open on the server, which would hand
      // the step straight back to a consumer that is going away (and then wait for ack wait).
      message.nak(STOPPED_REDELIVERY_DELAY_MS);
      return;
    }
    if (error instanceof PermanentWorkError || error instanceof MessageSchemaError) {
      await deadLetter(message, errorInfoOf(error));
      return;
    }
    if (deliveryCount >= maxDeliver) {
      await deadLetter(message, errorInfoOf(error));
      return;
    }
    const delayMs = error instanceof RetryWorkError ? error.delayMs : retryDelayMs(deliveryCount);
    messageLog.warn("step failed; it will be tried again", { error, retryInMs: delayMs });
    message.nak(delayMs);
  };

  const waitForSlot = async (): Promise<void> => {
    while (inFlight.size >= maxAckPending) {
      await new Promise<void>((resolve) => {
        freeSlot = resolve;
      });
    }
  };

  let restarting = false;
  const consumeOnce = async (): Promise<void> => {
    // The first pass uses the consumer ensured above; a restart recreates it if it was deleted.
    if (restarting) await ensureConsumer(jsm, consumerSpec);
    restarting = true;
    const consumer = await options.js.consumers.get(options.stream, options.durable);
    const messages = await consumer.consume({
      max_messages: maxAckPending,
      expires: PULL_EXPIRES_MS,
    });
    currentMessages = messages;
    if (stopping.signal.aborted) messages.stop();
    watchStatus(messages);
    for await (const message of messages) {
      if (stopping.signal.aborted) {
        // Buffered but not started: hand it back at once instead of waiting for ackWait.
        message.nak();
        continue;
      }
      await waitForSlot();
      if (stopping.signal.aborted) {
        message.nak();
        continue;
      }
      const task = handle(message)
        .catch((error: unknown) => log.error("work handler crashed the consumer loop", { error }))
        .finally(() => {
          inFlight.delete(task);
          const wake = freeSlot;
          freeSlot = null;
          wake?.();
        });
      inFlight.add(task);
    }
  };

  const watchStatus = (messages: ConsumerMessages): void => {
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === "consumer_not_found" || status.type === "consumer_deleted") {
          // Someone deleted the durable consumer: end this pull loop; the next one recreates it.
          log.warn("the durable consumer disappeared; recreating it", { status: status.type });
          messages.stop();
        }
      }
    })().catch(() => {});
  };

  const loop = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      try {
        await consumeOnce();
      } catch (error) {
        if (!stopping.signal.aborted) log.warn("work consumer interrupted; restarting", { error });
      }
      if (!stopping.signal.aborted) await sleep(RESTART_DELAY_MS, stopping.signal);
    }
    await Promise.allSettled([...inFlight]);
  };

  const finished = loop();
  const stop = async (): Promise<void> => {
    if (!stopping.signal.aborted) {
      stopping.abort(new Error(`work consumer ${options.durable} stopped`));
      currentMessages?.stop();
    }
    await finished;
  };
  options.signal?.addEventListener("abort", () => void stop(), { once: true });
  if (options.signal?.aborted) void stop();
  log.info("work consumer started", {
    filterSubject: options.filterSubject,
    maxAckPending,
    ackWaitMs,
    maxDeliver,
  });
  return { stop, finished };
}
