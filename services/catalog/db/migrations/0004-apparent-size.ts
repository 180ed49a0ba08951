import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/*
 * A folder's apparent size in bytes (the files' lengths, or the packed archive's), beside its
 * `du -s` KiB: LTFS stores sparse files in full, so room on a tape is counted by apparent size.
 * Null for folders prepared before this column existed (their KiB stand in).
 */

const UP = ["ALTER TABLE folders ADD COLUMN apparent_bytes bigint CHECK (apparent_bytes >= 0)"];

const DOWN = ["ALTER TABLE folders DROP COLUMN apparent_bytes"];

async function runEach(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const apparentSizeSchema: Migration = {
  up: (db) => runEach(db, UP),
  down: (db) => runEach(db, DOWN),
};
