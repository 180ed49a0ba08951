import type { NatsConnection } from "@nats-io/nats-core";
import {
  CATALOG_REQUESTS,
  type CatalogOperation,
  type CatalogReply,
  type CatalogRequest,
  type MessageDefinition,
  subjects,
} from "../messages/index.ts";
import { request } from "./request.ts";

/** Typed requests to the catalog service; its refusals arrive as ServiceError with its code. */
export interface CatalogClient {
  call<O extends CatalogOperation>(op: O, payload: CatalogRequest<O>): Promise<CatalogReply<O>>;
}

/**
 * @example
 * const catalog = createCatalogClient(nc, "lib1");
 * const { tapes } = await catalog.call("tapes-list", {});
 */
export function createCatalogClient(
  nc: NatsConnection,
  libraryId: string,
  options: { timeoutMs?: number } = {},
): CatalogClient {
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
