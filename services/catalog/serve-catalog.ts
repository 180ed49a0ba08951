import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "../../shared/logging/index.ts";
import {
  CATALOG_REQUESTS,
  type CatalogOperation,
  type MessageDefinition,
  subjects,
} from "../../shared/messages/index.ts";
import { type ServedEndpoints, serveEndpoints } from "../../shared/nats/index.ts";
import type { CatalogHandlers } from "./catalog-handlers.ts";

export type ServedCatalog = ServedEndpoints;

/**
 * Serves every catalog operation as an endpoint of the micro-service `pytarchive-catalog`, on
 * `pyt.<lib>.catalog.<op>`. Requests and replies are validated against CATALOG_REQUESTS; every
 * request gets an answer, an error one when the handler fails.
 */
export function serveCatalog(options: {
  nc: NatsConnection;
  libraryId: string;
  handlers: CatalogHandlers;
  log: Logger;
  version: string;
}): Promise<ServedCatalog> {
  const { libraryId, handlers } = options;
  const s = subjects(libraryId);
  return serveEndpoints({
    nc: options.nc,
    name: "pytarchive-catalog",
    version: options.version,
    description: "The pytarchive catalog: the only owner of the database.",
    metadata: { library: libraryId },
    log: options.log,
    what: "catalog request",
    label: "operation",
    endpoints: (Object.keys(CATALOG_REQUESTS) as CatalogOperation[]).map((op) => {
      // One operation at a time: its request and reply definitions match its handler.
      const definition = CATALOG_REQUESTS[op] as {
        request: MessageDefinition<unknown>;
        reply: MessageDefinition<unknown>;
      };
      const handler = handlers[op] as (request: unknown) => Promise<unknown>;
      return {
        name: op,
        subject: s.catalog(op),
        answer: async (data) =>
          definition.reply.encode(await handler(definition.request.decode(data))),
      };
    }),
  });
}
