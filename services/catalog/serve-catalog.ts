import type { NatsConnection } from "@nats-io/nats-core";
import { type Service, type ServiceMsg, Svcm } from "@nats-io/services";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { CATALOG_REQUESTS, type CatalogOperation } from "../../shared/messages/catalog-requests.ts";
import { type MessageDefinition, subjects } from "../../shared/messages/index.ts";
import { respondWithError } from "../../shared/nats/index.ts";
import type { CatalogHandlers } from "./catalog-handlers.ts";

export interface ServedCatalog {
  readonly service: Service;
  /** Stops taking requests and waits for those being answered. */
  stop(): Promise<void>;
}

/**
 * Serves every catalog operation as an endpoint of the micro-service `pytarchive-catalog`, on
 * `pyt.<lib>.catalog.<op>`. Requests and replies are validated against CATALOG_REQUESTS; every
 * request gets an answer, an error one when the handler fails.
 */
export async function serveCatalog(options: {
  nc: NatsConnection;
  libraryId: string;
  handlers: CatalogHandlers;
  log: Logger;
  version: string;
}): Promise<ServedCatalog> {
  const { nc, libraryId, handlers, log } = options;
  const s = subjects(libraryId);
  const service = await new Svcm(nc).add({
    name: "pytarchive-catalog",
    version: options.version,
    description: "The pytarchive catalog: the only owner of the database.",
    metadata: { library: libraryId },
  });
  const inFlight = new Set<Promise<void>>();
  for (const op of Object.keys(CATALOG_REQUESTS) as CatalogOperation[]) {
    service.addEndpoint(op, {
      subject: s.catalog(op),
      // The services library calls handlers synchronously and ignores their promise: track it
      // here so stop() can wait, and answer every request, failed or not.
      handler: (error, msg) => {
        const answered = answer(op, error, msg, handlers, log).finally(() =>
          inFlight.delete(answered),
        );
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

async function answer(
  op: CatalogOperation,
  subscriptionError: Error | null,
  msg: ServiceMsg,
  handlers: CatalogHandlers,
  log: Logger,
): Promise<void> {
  // One operation at a time: its request and reply definitions match its handler.
  const definition = CATALOG_REQUESTS[op] as {
    request: MessageDefinition<unknown>;
    reply: MessageDefinition<unknown>;
  };
  try {
    if (subscriptionError !== null) throw subscriptionError;
    const request = definition.request.decode(msg.data);
    const handler = handlers[op] as (request: unknown) => Promise<unknown>;
    const reply = await handler(request);
    msg.respond(definition.reply.encode(reply));
  } catch (error) {
    if (error instanceof PytarchiveError) {
      log.info("catalog request refused", { operation: op, code: error.code });
    } else {
      log.error("catalog request failed", { operation: op, error });
    }
    try {
      respondWithError(msg, error);
    } catch (replyError) {
      log.error("could not answer a catalog request", { operation: op, error: replyError });
    }
  }
}
