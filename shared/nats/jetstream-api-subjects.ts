/**
 * The JetStream API subjects a client publishes to, as nats-server 2.9+ and @nats-io/jetstream 3
 * use them. Permissions are granted on these subjects, so what a user may do with a stream or a
 * consumer is decided by which of them it may publish to.
 */

/** Account information; `jetstreamManager(nc)` asks for it before anything else. */
export const JS_API_INFO = "$JS.API.INFO";

/**
 * Looking up, creating and updating one stream (never deleting or purging it). Every service may
 * be the first to start, and the service runner ensures the library's streams at start.
 *
 * @example
 * streamSetupSubjects("PYT_lib1_WORK"); // ["$JS.API.STREAM.INFO.PYT_lib1_WORK", …CREATE…, …UPDATE…]
 */
export function streamSetupSubjects(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.UPDATE.${stream}`,
  ];
}

/**
 * Creating, inspecting, pulling from and acknowledging one durable pull consumer, and nothing
 * else on that stream. The filter is part of the create subject (nats-server 2.9's
 * `CONSUMER.CREATE.<stream>.<name>.<filter>`), so the consumer can only ever read `filter`. The
 * older `CONSUMER.DURABLE.CREATE` and the filterless `CONSUMER.CREATE.<stream>` are not granted:
 * they do not show the filter.
 *
 * @example
 * pullConsumerSubjects("PYT_lib1_CHANGER", "changer", "pyt.lib1.changer.move");
 */
export function pullConsumerSubjects(stream: string, durable: string, filter: string): string[] {
  return [
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}.${filter}`,
    `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    ...ackSubjects(stream, durable),
  ];
}

/**
 * Acknowledging (ack, nak, working, term) messages of one consumer. Servers write the reply
 * subject as `$JS.ACK.<stream>.<consumer>.…`, or with a domain and account hash in front of the
 * stream in the newer form; both are granted.
 */
export function ackSubjects(stream: string, durable: string): string[] {
  return [`$JS.ACK.${stream}.${durable}.>`, `$JS.ACK.*.*.${stream}.${durable}.>`];
}

/**
 * Reading and writing the keys of one KV bucket (get, create, update, delete), plus looking it up
 * or creating it (@nats-io/kv's `Kvm.create`). `$KV.<bucket>.>` is where values are published.
 *
 * @example
 * kvBucketSubjects("pyt_lib1_leases");
 */
export function kvBucketSubjects(bucket: string): string[] {
  const stream = kvStreamName(bucket);
  return [
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$KV.${bucket}.>`,
  ];
}

/**
 * Reading the keys of one KV bucket, and nothing else: the gets of {@link kvBucketSubjects}
 * without `$KV.<bucket>.>`, where values are written.
 */
export function kvReadSubjects(bucket: string): string[] {
  return kvBucketSubjects(bucket).filter((subject) => subject.startsWith("$JS.API."));
}

/**
 * Listing the consumers of one stream with their state (pending, ack-pending, redelivered):
 * read-only, it creates, changes and acknowledges nothing.
 */
export function consumerListSubject(stream: string): string {
  return `$JS.API.CONSUMER.LIST.${stream}`;
}

/** The stream behind a KV bucket. */
export function kvStreamName(bucket: string): string {
  return `KV_${bucket}`;
}
