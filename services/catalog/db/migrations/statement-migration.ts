import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * A migration of plain SQL statements, run one per call (PGlite's extended protocol takes one
 * statement at a time); `down` undoes `up`. For new migrations (the shipped ones keep their own
 * copy of this: a migration that has shipped is never edited).
 *
 * @example
 * export const someIndex = statementMigration(["CREATE INDEX i ON t (c)"], ["DROP INDEX i"]);
 */
export function statementMigration(up: readonly string[], down: readonly string[]): Migration {
  return { up: (db) => runStatements(db, up), down: (db) => runStatements(db, down) };
}

/** Runs plain SQL statements one at a time, in order (for migrations that need more than that). */
export async function runStatements(
  db: Kysely<unknown>,
  statements: readonly string[],
): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
