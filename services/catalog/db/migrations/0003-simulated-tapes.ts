import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/*
 * Tapes of a simulated library are marked: the changer reports them so when the configuration
 * says the library is a simulation ([Device] simulate). A copy on such a tape is a loop image,
 * not an archive, so `deleteable` must never offer its original. Tapes recorded before this
 * migration came from a real or an unmarked library: false.
 */

const UP = ["ALTER TABLE tapes ADD COLUMN simulated boolean NOT NULL DEFAULT false"];

const DOWN = ["ALTER TABLE tapes DROP COLUMN simulated"];

async function runEach(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const simulatedTapesSchema: Migration = {
  up: (db) => runEach(db, UP),
  down: (db) => runEach(db, DOWN),
};
