import { type Kysely, type RawBuilder, sql, type Transaction } from "kysely";
import type { CatalogSchema, JsonValue } from "./catalog-schema.ts";

/**
 * The database's clock at the moment the statement runs. `now()` would be the transaction's start,
 * which makes several changes inside one transaction look simultaneous.
 */
export function currentTime(): RawBuilder<Date> {
  return sql<Date>`clock_timestamp()`;
}

/**
 * A JSON value as a jsonb parameter. Sent as text and cast: pg turns JS arrays into PostgreSQL
 * arrays and PGlite serialises by the parameter's type, so passing objects would differ by dialect.
 */
export function jsonb(value: JsonValue): RawBuilder<string> {
  return sql<string>`cast(cast(${JSON.stringify(value)} as text) as jsonb)`;
}

/** Runs `work` in a transaction, or inside the caller's transaction when `db` already is one. */
export async function inTransaction<T>(
  db: Kysely<CatalogSchema>,
  work: (trx: Transaction<CatalogSchema>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<CatalogSchema>);
  return db.transaction().execute(work);
}

/** True for PostgreSQL's unique_violation (23505) on the named constraint or index. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === "23505" && violated === constraint;
}
