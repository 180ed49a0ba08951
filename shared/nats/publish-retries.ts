import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";

/**
 * How often a JetStream publish is tried when no server answers for the stream. On a cluster a
 * stream has no leader for a few seconds after the node that led it is lost; nats.js waits
 * 0, 0.25, 0.25, 0.5, 0.5, 3, then 5 s between tries, so 12 tries span about 30 s.
 */
export const PUBLISH_RETRIES = 12;

/**
 * `js` with every publish tried up to {@link PUBLISH_RETRIES} times while the stream has no
 * responder (a leader election) or the answer times out, unless the caller says otherwise.
 * Safe for pytarchive's publishes: they carry message ids (a repeat inside the stream's
 * 2-minute window is dropped) or are progress reports, where a repeat costs nothing.
 *
 * Once `stopping` is aborted a publish is tried once, as nats.js does by default: a service that
 * stops because its NATS server is gone for good (the launcher was killed, and the embedded
 * nats-server with it) must not wait a minute on each report it sends on its way out.
 *
 * @example
 * const js = withPublishRetries(jetstream(nc), signal);
 * await js.publish(subject, payload, { msgID }); // survives the loss of the stream's leader
 */
export function withPublishRetries(js: JetStreamClient, stopping?: AbortSignal): JetStreamClient {
  const publish = js.publish.bind(js);
  // The client's own retry loop (it backs off and re-sends on no responders and timeouts); only
  // its default of one try is changed.
  js.publish = (subject, payload, options) =>
    publish(
      subject,
      payload,
      stopping?.aborted === true ? options : { retries: PUBLISH_RETRIES, ...options },
    );
  return js;
}

/**
 * The JetStream client services get: {@link withPublishRetries} on `nc`, one try each once
 * `stopping` is aborted.
 *
 * @example
 * const js = resilientJetStream(nc, abort.signal);
 */
export function resilientJetStream(nc: NatsConnection, stopping?: AbortSignal): JetStreamClient {
  return withPublishRetries(jetstream(nc), stopping);
}
