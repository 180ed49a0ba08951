import type { NatsConnection } from "@nats-io/nats-core";
import {
  CATALOG_REQUESTS,
  type CatalogOperation,
  type CatalogReply,
  type CatalogRequest,
} from "../../shared/messages/catalog-requests.ts";
import { type MessageDefinition, subjects } from "../../shared/messages/index.ts";
import { request } from "../../shared/nats/index.ts";

/** Typed requests to the catalog; refusals arrive as ServiceError with the catalog's code. */
export interface CatalogCaller {
  call<O extends CatalogOperation>(op: O, payload: CatalogRequest<O>): Promise<CatalogReply<O>>;
}

/**
 * @example
 * const catalog = connectCatalog(nc, "lib1");
 * const { job } = await catalog.call("job-claim", { kinds: ["prepare"], worker: "scheduler", limit: 1 });
 */
export function connectCatalog(
  nc: NatsConnection,
  libraryId: string,
  options: { timeoutMs?: number } = {},
): CatalogCaller {
  const s = subjects(libraryId);
  return {
    call(op, payload) {
      const definition = CATALOG_REQUESTS[op] as unknown as {
        request: MessageDefinition<typeof payload>;
        reply: MessageDefinition<CatalogReply<typeof op>>;
      };
      return request(nc, s.catalog(op), payload, {
        request: definition.request,
        reply: definition.reply,
        timeoutMs: options.timeoutMs ?? 10_000,
        service: "catalog",
      });
    },
  };
}
