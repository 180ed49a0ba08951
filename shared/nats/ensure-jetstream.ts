import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { nanos } from "@nats-io/nats-core";
import { PytarchiveError } from "../errors/index.ts";
import { kvBucketNames, streamNames, subjects } from "../messages/index.ts";
import { withPublishRetries } from "./publish-retries.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** What a stream must look like; other settings keep the server's defaults. */
export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly retention: "workqueue" | "limits";
  /** 0 keeps messages until consumed (work queues) or forever. */
  readonly maxAgeMs: number;
  /** Window in which a repeated message id is dropped. */
  readonly duplicateWindowMs: number;
  readonly description: string;
  /** Servers that keep a copy (`[NATS] replicas`): 1, or 3 or 5 on a cluster. Default 1. */
  readonly replicas?: number;
}

/** How many servers keep a copy of what pytarchive creates; `[NATS] replicas`. */
export interface ReplicationOptions {
  /** 1 (the default) on a single server; 3 or 5 on a cluster. */
  readonly replicas?: number;
}

export interface KvOptions extends ReplicationOptions {
  /** Once aborted (the service stops), the bucket's puts are tried once (withPublishRetries). */
  readonly stopping?: AbortSignal;
}

/**
 * The streams of one library: work and changer queues (work-queue retention: a message is gone
 * once acknowledged), events (kept 30 days for the catalog to materialise) and dead letters
 * (kept 90 days for an operator to look at).
 */
export function libraryStreamSpecs(
  libraryId: string,
  { replicas = 1 }: ReplicationOptions = {},
): StreamSpec[] {
  const names = streamNames(libraryId);
  const s = subjects(libraryId);
  const duplicateWindowMs = 2 * 60 * 1000;
  return [
    {
      name: names.work,
      subjects: [s.allWork],
      retention: "workqueue",
      maxAgeMs: 0,
      duplicateWindowMs,
      description: `pytarchive ${libraryId}: work queues of the services`,
      replicas,
    },
    {
      name: names.changer,
      subjects: [s.changerMove],
      retention: "workqueue",
      maxAgeMs: 0,
      duplicateWindowMs,
      description: `pytarchive ${libraryId}: tape moves, consumed by the changer only`,
      replicas,
    },
    {
      name: names.events,
      subjects: [s.allEvents],
      retention: "limits",
      maxAgeMs: 30 * DAY_MS,
      duplicateWindowMs,
      description: `pytarchive ${libraryId}: job and library events`,
      replicas,
    },
    {
      name: names.deadLetters,
      subjects: [s.allDeadLetters],
      retention: "limits",
      maxAgeMs: 90 * DAY_MS,
      duplicateWindowMs,
      description: `pytarchive ${libraryId}: messages the services gave up on`,
      replicas,
    },
  ];
}

/**
 * Creates or updates every stream of library `libraryId`; safe to call at every start. A
 * stream kept on another number of servers than `replicas` is changed to it (NATS copies it to
 * the added servers, or drops the extra copies).
 *
 * @example
 * await ensureStreams(await jetstreamManager(nc), config.nats.libraryId, { replicas: config.nats.replicas });
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  libraryId: string,
  replication: ReplicationOptions = {},
): Promise<StreamInfo[]> {
  const infos: StreamInfo[] = [];
  for (const spec of libraryStreamSpecs(libraryId, replication)) {
    infos.push(await ensureStream(jsm, spec));
  }
  return infos;
}

/** Creates the stream, or updates it when its subjects, age, window or replicas differ. */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<StreamInfo> {
  const wanted: Partial<StreamConfig> = {
    subjects: [...spec.subjects],
    retention: spec.retention === "workqueue" ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
    num_replicas: spec.replicas ?? 1,
    description: spec.description,
  };
  const existing = await findOrNull(
    () => jsm.streams.info(spec.name),
    JetStreamApiCodes.StreamNotFound,
  );
  try {
    if (existing === null) return await jsm.streams.add({ name: spec.name, ...wanted });
    if (existing.config.retention !== wanted.retention) {
      throw new PytarchiveError(
        "NATS_STREAM_CONFLICT",
        `The JetStream stream ${spec.name} exists with ${existing.config.retention} retention, but pytarchive needs ${wanted.retention}; NATS cannot change that in place.`,
        {
          hint: `Stop pytarchive, check that the stream holds nothing you need (nats stream info ${spec.name}), delete it (nats stream rm ${spec.name}) and start again.`,
        },
      );
    }
    if (streamMatches(existing.config, wanted)) return existing;
    return await jsm.streams.update(spec.name, wanted);
  } catch (cause) {
    if (cause instanceof PytarchiveError) throw cause;
    throw (
      replicasError(cause, spec.name, wanted.num_replicas ?? 1) ??
      new PytarchiveError(
        "NATS_STREAM_SETUP_FAILED",
        `The JetStream stream ${spec.name} could not be created or updated: ${(cause as Error).message}.`,
        {
          hint: "Check that the NATS server runs with JetStream enabled (nats-server -js) and that this user may manage streams.",
          cause,
        },
      )
    );
  }
}

function streamMatches(actual: StreamConfig, wanted: Partial<StreamConfig>): boolean {
  return (
    sameList(actual.subjects, wanted.subjects) &&
    actual.max_age === wanted.max_age &&
    actual.duplicate_window === wanted.duplicate_window &&
    actual.discard === wanted.discard &&
    actual.num_replicas === wanted.num_replicas &&
    (actual.description ?? "") === (wanted.description ?? "")
  );
}

/** A durable pull consumer with explicit acks, as every pytarchive work queue uses. */
export interface ConsumerSpec {
  readonly stream: string;
  readonly durable: string;
  readonly filterSubject: string;
  readonly ackWaitMs: number;
  /** Server-side delivery limit. */
  readonly maxDeliver: number;
  /** How many messages may be delivered and not yet acknowledged (1 = one at a time). */
  readonly maxAckPending: number;
  readonly description?: string;
}

/**
 * Creates the durable consumer, or updates its ack wait, delivery limit and pending limit when
 * they changed; safe to call at every start.
 *
 * @example
 * await ensureConsumer(jsm, { stream: "PYT_lib1_WORK", durable: "ltfs", filterSubject: "pyt.lib1.work.ltfs.>", ackWaitMs: 30_000, maxDeliver: 5, maxAckPending: 1 });
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  spec: ConsumerSpec,
): Promise<ConsumerInfo> {
  const wanted: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    max_ack_pending: spec.maxAckPending,
    ...(spec.description ? { description: spec.description } : {}),
  };
  const existing = await findOrNull(
    () => jsm.consumers.info(spec.stream, spec.durable),
    JetStreamApiCodes.ConsumerNotFound,
  );
  try {
    if (existing === null) return await jsm.consumers.add(spec.stream, wanted);
    if (existing.config.filter_subject !== spec.filterSubject) {
      throw new PytarchiveError(
        "NATS_CONSUMER_CONFLICT",
        `The consumer ${spec.durable} of stream ${spec.stream} reads ${existing.config.filter_subject ?? "everything"}, but pytarchive needs ${spec.filterSubject}; this server cannot change that in place.`,
        {
          hint: `Stop pytarchive, delete the consumer (nats consumer rm ${spec.stream} ${spec.durable}) and start again; queued messages stay in the stream.`,
        },
      );
    }
    const current = existing.config;
    if (
      current.ack_wait === wanted.ack_wait &&
      current.max_deliver === wanted.max_deliver &&
      current.max_ack_pending === wanted.max_ack_pending &&
      (current.description ?? "") === (wanted.description ?? "")
    ) {
      return existing;
    }
    return await jsm.consumers.update(spec.stream, spec.durable, {
      ack_wait: wanted.ack_wait,
      max_deliver: wanted.max_deliver,
      max_ack_pending: wanted.max_ack_pending,
      ...(wanted.description ? { description: wanted.description } : {}),
    });
  } catch (cause) {
    if (cause instanceof PytarchiveError) throw cause;
    throw new PytarchiveError(
      "NATS_CONSUMER_SETUP_FAILED",
      `The consumer ${spec.durable} of stream ${spec.stream} could not be created or updated: ${(cause as Error).message}.`,
      {
        hint: "Check that the stream exists (ensureStreams runs first) and that this user may manage consumers.",
        cause,
      },
    );
  }
}

/**
 * Opens the library's lease bucket, creating it when missing, and keeps it on `replicas`
 * servers (changing an existing bucket's count); safe to call at every start.
 *
 * @example
 * const leases = await ensureKv(jsm, config.nats.libraryId, { replicas: config.nats.replicas });
 */
export async function ensureKv(
  jsm: JetStreamManager,
  libraryId: string,
  { replicas = 1, stopping }: KvOptions = {},
): Promise<KV> {
  const bucket = kvBucketNames(libraryId).leases;
  try {
    // Kvm.create binds to an existing bucket and leaves its settings as they are.
    // Lease puts wait out the bucket's leader election (a cluster node lost), as other publishes do.
    const kv = await new Kvm(withPublishRetries(jsm.jetstream(), stopping)).create(bucket, {
      history: 1,
      storage: StorageType.File,
      replicas,
    });
    const { streamInfo } = await kv.status();
    if (streamInfo.config.num_replicas !== replicas) {
      await jsm.streams.update(streamInfo.config.name, {
        ...streamInfo.config,
        num_replicas: replicas,
      });
    }
    return kv;
  } catch (cause) {
    const replicasFailure = replicasError(cause, `bucket ${bucket}`, replicas);
    if (replicasFailure !== null) throw replicasFailure;
    throw new PytarchiveError(
      "NATS_KV_SETUP_FAILED",
      `The key-value bucket ${bucket} could not be opened or created: ${(cause as Error).message}.`,
      {
        hint: "Check that the NATS server runs with JetStream enabled and that this user may manage streams.",
        cause,
      },
    );
  }
}

/** Server error codes that mean "not that many servers to keep copies on". */
const NOT_ENOUGH_SERVERS = new Set([
  10074, // replicas > 1 not supported in non-clustered mode
  10023, // insufficient resources
  10005, // no suitable peers for placement
  10061, // replicas configuration can not be updated (servers before 2.7)
]);

/**
 * The error in the user's words when the servers cannot keep `replicas` copies of `what` (a
 * single server asked for 3, a cluster with fewer servers than asked for); null otherwise.
 */
function replicasError(cause: unknown, what: string, replicas: number): PytarchiveError | null {
  if (!(cause instanceof JetStreamApiError) || !NOT_ENOUGH_SERVERS.has(cause.code)) return null;
  return new PytarchiveError(
    "NATS_REPLICAS_UNAVAILABLE",
    `The NATS servers cannot keep ${replicas} ${replicas === 1 ? "copy" : "copies"} of ${what}, as \`[NATS] replicas = ${replicas}\` asks: ${cause.message}.`,
    {
      hint:
        replicas > 1
          ? `A single NATS server keeps one copy: set \`[NATS] replicas = 1\`. On a NATS cluster, check that at least ${replicas} of its servers run with JetStream (infra/nats/README.md).`
          : "Check the NATS server's log; a server before 2.7 cannot change a stream's replicas.",
      cause,
    },
  );
}

async function findOrNull<T>(lookup: () => Promise<T>, notFoundCode: number): Promise<T | null> {
  try {
    return await lookup();
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === notFoundCode) return null;
    throw new PytarchiveError(
      "NATS_JETSTREAM_UNAVAILABLE",
      `JetStream did not answer: ${(error as Error).message}.`,
      {
        hint: "Check that the NATS server runs with JetStream enabled (nats-server -js -sd <folder>).",
        cause: error,
      },
    );
  }
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = [...(a ?? [])].sort();
  const right = [...(b ?? [])].sort();
  return left.length === right.length && left.every((value, index) => value === right[index]);
}
