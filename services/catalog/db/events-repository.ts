import type { Kysely } from "kysely";
import type { CatalogSchema, EventRow, JsonValue } from "./catalog-schema.ts";
import { jsonb } from "./sql-helpers.ts";

/**
 * Appends an event (what happened, for the record and the status page).
 *
 * @example
 * await appendEvent(db, { jobId: "3fa2b1c0", kind: "TapeLoaded", payload: { tape: "AAK788L9", drive: 0 } });
 */
export function appendEvent(
  db: Kysely<CatalogSchema>,
  event: { jobId: string | null; kind: string; payload: JsonValue },
): Promise<EventRow> {
  return db
    .insertInto("events")
    .values({ jobId: event.jobId, kind: event.kind, payload: jsonb(event.payload) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Events in the order they were appended: one job's when `jobId` is given, else all (only those
 * of library `libraryId`'s jobs when given); only those after `afterId` when given (to follow
 * the stream); at most `limit` (default 1,000).
 */
export function listEvents(
  db: Kysely<CatalogSchema>,
  filter: { jobId?: string; afterId?: number; limit?: number; libraryId?: string } = {},
): Promise<EventRow[]> {
  let query = db.selectFrom("events").selectAll();
  const { libraryId } = filter;
  if (libraryId !== undefined) {
    query = query.where("jobId", "in", (eb) =>
      eb.selectFrom("jobs").select("jobs.id").where("jobs.libraryId", "=", libraryId),
    );
  }
  if (filter.jobId !== undefined) query = query.where("jobId", "=", filter.jobId);
  if (filter.afterId !== undefined) query = query.where("id", ">", filter.afterId);
  return query
    .orderBy("id")
    .limit(filter.limit ?? 1000)
    .execute();
}
