import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/*
 * Tape jobs: the drive a running job was given, and the error it ends with once that drive is
 * released. Restores page through a folder's files in tape order, so the index now ends with the
 * path in byte order: the index then is the ORDER BY and a page needs no sort of the whole folder.
 * One statement per call (PGlite's extended protocol takes one statement at a time).
 */

const UP = [
  "ALTER TABLE jobs ADD COLUMN drive integer CHECK (drive >= 0)",
  `ALTER TABLE jobs ADD COLUMN pending_error jsonb
    CHECK (pending_error IS NULL OR jsonb_typeof(pending_error) = 'object')`,
  `CREATE INDEX files_tape_order_paged
    ON files (folder_id, partition, start_block, relative_path COLLATE "C")`,
  // A prefix of the new index: redundant.
  "DROP INDEX files_tape_order",
];

const DOWN = [
  "CREATE INDEX files_tape_order ON files (folder_id, partition, start_block)",
  "DROP INDEX files_tape_order_paged",
  "ALTER TABLE jobs DROP COLUMN pending_error",
  "ALTER TABLE jobs DROP COLUMN drive",
];

async function runEach(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const tapeJobsSchema: Migration = {
  up: (db) => runEach(db, UP),
  down: (db) => runEach(db, DOWN),
};
