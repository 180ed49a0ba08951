import type { CatalogClient } from "../../../services/gateway/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import type {
  CatalogJob,
  CatalogOperation,
  CatalogReply,
  CatalogRequest,
} from "../../../shared/messages/catalog-requests.ts";

/** A job as the catalog would report it. */
export function catalogJob(
  overrides: Partial<CatalogJob> & Pick<CatalogJob, "id" | "kind" | "args">,
): CatalogJob {
  return {
    priority: 100,
    state: "queued",
    progress: null,
    error: null,
    attempts: 0,
    abortRequested: false,
    drive: null,
    pendingError: null,
    createdAt: "2026-11-26T10:00:00.000Z",
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/**
 * A catalog client answering from `replies` and recording every call; an operation without a
 * reply answers like a catalog that is not running.
 */
export function fakeCatalog(
  replies: {
    [O in CatalogOperation]?: CatalogReply<O> | ((request: CatalogRequest<O>) => CatalogReply<O>);
  },
): CatalogClient & {
  calls: { op: string; payload: unknown }[];
} {
  const calls: { op: string; payload: unknown }[] = [];
  return {
    calls,
    async call(op, payload) {
      calls.push({ op, payload });
      const reply: unknown = replies[op];
      if (reply === undefined) {
        throw new PytarchiveError(
          "SERVICE_NOT_RUNNING",
          `Nothing answers pyt.test.catalog.${op}: the pytarchive catalog service is not running.`,
          { hint: "Start pytarchive with `npm start`." },
        );
      }
      return (
        typeof reply === "function" ? (reply as (r: unknown) => unknown)(payload) : reply
      ) as never;
    },
  };
}
