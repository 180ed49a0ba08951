import type { NatsConnection } from "@nats-io/nats-core";
import { type Service, type ServiceMsg, Svcm } from "@nats-io/services";
import { PytarchiveError } from "../errors/index.ts";
import type { Logger } from "../logging/index.ts";
import { respondWithError } from "./request.ts";

/** One endpoint: its name (`nats micro info` shows it), subject, and how it answers. */
export interface Endpoint {
  readonly name: string;
  readonly subject: string;
  readonly metadata?: Record<string, string>;
  /** The reply to a request's body; a thrown error is answered as a service error. */
  readonly answer: (data: Uint8Array) => Promise<Uint8Array | string>;
}

export interface ServedEndpoints {
  readonly service: Service;
  /** Stops taking requests and waits for those being answered. */
  stop(): Promise<void>;
}

/**
 * Serves `endpoints` as one `@nats-io/services` micro-service (so `nats micro ls/info/stats`
 * list them). Every request gets an answer: the reply, or `{ code, message, hint }` in a service
 * error. A `PytarchiveError` is a refusal, logged at info; anything else at error. `what` names
 * a request in the logs ("command", "catalog request"), `label` the field naming the endpoint.
 */
export async function serveEndpoints(options: {
  readonly nc: NatsConnection;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly metadata: Record<string, string>;
  readonly endpoints: readonly Endpoint[];
  readonly log: Logger;
  readonly what: string;
  readonly label: string;
}): Promise<ServedEndpoints> {
  const { nc, log, what, label } = options;
  const service = await new Svcm(nc).add({
    name: options.name,
    version: options.version,
    description: options.description,
    metadata: options.metadata,
  });
  const inFlight = new Set<Promise<void>>();
  for (const endpoint of options.endpoints) {
    const answer = async (subscriptionError: Error | null, msg: ServiceMsg) => {
      try {
        if (subscriptionError !== null) throw subscriptionError;
        msg.respond(await endpoint.answer(msg.data));
      } catch (error) {
        if (error instanceof PytarchiveError) {
          log.info(`${what} refused`, {
            [label]: endpoint.name,
            code: error.code,
            reason: error.message,
          });
        } else {
          log.error(`${what} failed`, { [label]: endpoint.name, error });
        }
        try {
          respondWithError(msg, error);
        } catch (replyError) {
          log.error(`could not answer a ${what}`, { [label]: endpoint.name, error: replyError });
          // The generic answer always encodes: the caller learns of a failure, never waits in silence.
          try {
            respondWithError(msg, new Error("the error reply could not be sent"));
          } catch {
            // The connection itself is gone; the caller's timeout tells it so.
          }
        }
      }
    };
    service.addEndpoint(endpoint.name, {
      subject: endpoint.subject,
      ...(endpoint.metadata === undefined ? {} : { metadata: endpoint.metadata }),
      // The library calls handlers synchronously and ignores their promise: keep it for stop().
      handler: (error, msg) => {
        const answered = answer(error, msg).finally(() => inFlight.delete(answered));
        inFlight.add(answered);
      },
    });
  }
  // The server has the subscriptions before this resolves: a request sent right after is answered.
  await nc.flush();
  return {
    service,
    async stop() {
      await service.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}
