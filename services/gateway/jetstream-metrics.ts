import type { JetStreamManager } from "@nats-io/jetstream";
import type { Registry } from "prom-client";
import { TIMED_OUT, withinTime } from "../../shared/concurrency/index.ts";
import { streamNames } from "../../shared/messages/index.ts";
import { NATS_SERVICE_USERS } from "../../shared/nats/index.ts";
import { oncePerScrape, registerScrapedFamily, type Sample } from "./scraped-family.ts";

/** One consumer's backlog as the JetStream management API reports it. */
export interface ConsumerBacklog {
  readonly stream: string;
  readonly consumer: string;
  /** Messages not yet delivered to it. */
  readonly pending: number;
  /** Delivered, not yet acknowledged. */
  readonly ackPending: number;
  /** Delivered more than once and not yet acknowledged. */
  readonly redelivered: number;
}

/** What one scrape read from JetStream. */
export interface JetStreamScrape {
  readonly consumers: readonly ConsumerBacklog[];
  /** Messages in the dead-letter stream by the service that gave up on them. */
  readonly deadLetters: ReadonlyMap<string, number>;
}

/**
 * Reads every consumer of the library's streams and the dead-letter stream's messages per
 * subject through the JetStream management API, giving up after `timeoutMs` (null) so a slow
 * NATS server never holds up a scrape.
 */
export function jetStreamScraper(
  manager: () => Promise<JetStreamManager>,
  libraryId: string,
  timeoutMs: number,
): () => Promise<JetStreamScrape | null> {
  const streams = streamNames(libraryId);
  const read = async (): Promise<JetStreamScrape> => {
    const jsm = await manager();
    const consumers: ConsumerBacklog[] = [];
    for (const stream of [streams.work, streams.changer, streams.events, streams.deadLetters]) {
      for await (const info of jsm.consumers.list(stream)) {
        consumers.push({
          stream,
          consumer: info.name,
          pending: info.num_pending,
          ackPending: info.num_ack_pending,
          redelivered: info.num_redelivered,
        });
      }
    }
    const dlq = await jsm.streams.info(streams.deadLetters, { subjects_filter: ">" });
    const deadLetters = new Map<string, number>();
    for (const [subject, count] of Object.entries(dlq.state.subjects ?? {})) {
      const service = subject.split(".").at(-1) ?? subject;
      deadLetters.set(service, (deadLetters.get(service) ?? 0) + count);
    }
    return { consumers, deadLetters };
  };
  return oncePerScrape(async () => {
    try {
      const found = await withinTime(read, timeoutMs);
      return found === TIMED_OUT ? null : found;
    } catch {
      return null;
    }
  });
}

/**
 * `pytarchive_jetstream_up`, each consumer's pending, ack-pending and redelivered messages, and
 * `pytarchive_dead_letters{service}` (0 for every service without any).
 */
export function registerJetStreamFamilies(
  registry: Registry,
  scrape: () => Promise<JetStreamScrape | null>,
): void {
  registerScrapedFamily(registry, {
    name: "pytarchive_jetstream_up",
    help: "1 when the JetStream management API answered this scrape in time, else 0.",
    type: "gauge",
    read: async () => [{ value: (await scrape()) === null ? 0 : 1 }],
  });
  const perConsumer = (pick: (backlog: ConsumerBacklog) => number) => async () => {
    const found = await scrape();
    return (
      found?.consumers.map(
        (backlog): Sample => ({
          labels: { stream: backlog.stream, consumer: backlog.consumer },
          value: pick(backlog),
        }),
      ) ?? null
    );
  };
  registerScrapedFamily(registry, {
    name: "pytarchive_jetstream_consumer_pending_messages",
    help: "Messages of the stream its durable consumer has not yet been given (work waiting for a service).",
    type: "gauge",
    read: perConsumer((backlog) => backlog.pending),
  });
  registerScrapedFamily(registry, {
    name: "pytarchive_jetstream_consumer_ack_pending_messages",
    help: "Messages a consumer was given and has not acknowledged yet (work in progress).",
    type: "gauge",
    read: perConsumer((backlog) => backlog.ackPending),
  });
  registerScrapedFamily(registry, {
    name: "pytarchive_jetstream_consumer_redelivered_messages",
    help: "Messages given to a consumer more than once and not acknowledged yet (a service crashed or is slow).",
    type: "gauge",
    read: perConsumer((backlog) => backlog.redelivered),
  });
  registerScrapedFamily(registry, {
    name: "pytarchive_dead_letters",
    help: "Work messages a service gave up on, waiting in the dead-letter stream, by service.",
    type: "gauge",
    read: async () => {
      const found = await scrape();
      if (found === null) return null;
      const services = new Set<string>([...NATS_SERVICE_USERS, ...found.deadLetters.keys()]);
      return [...services].map((service) => ({
        labels: { service },
        value: found.deadLetters.get(service) ?? 0,
      }));
    },
  });
}
