import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/*
 * The job state machine as data: the step a running job waits on (instead of a marker in its
 * progress text, which a rewording would break), when its result became permanent (an abort
 * after that is too late), what it moved (history), and a sequence number that makes the queue
 * order total (jobs created in the same instant keep their insertion order).
 * One statement per call (PGlite's extended protocol takes one statement at a time).
 */

const UP = [
  "ALTER TABLE jobs ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY",
  "ALTER TABLE jobs ADD COLUMN waiting_on text CHECK (waiting_on ~ '^[a-z][a-z-]*$')",
  "ALTER TABLE jobs ADD COLUMN waiting_retry boolean NOT NULL DEFAULT false",
  "ALTER TABLE jobs ADD COLUMN committed_at timestamptz",
  "ALTER TABLE jobs ADD COLUMN bytes_moved bigint CHECK (bytes_moved >= 0)",
  "ALTER TABLE jobs ADD COLUMN files_moved bigint CHECK (files_moved >= 0)",
  "DROP INDEX jobs_queue_order",
  "CREATE INDEX jobs_queue_order ON jobs (state, priority, created_at, seq)",
  // `pytarchive history` lists finished jobs, the newest first.
  `CREATE INDEX jobs_history ON jobs (finished_at DESC, seq DESC)
    WHERE state IN ('done', 'failed', 'aborted')`,
];

const DOWN = [
  "DROP INDEX jobs_history",
  "DROP INDEX jobs_queue_order",
  "CREATE INDEX jobs_queue_order ON jobs (state, priority, created_at, id)",
  "ALTER TABLE jobs DROP COLUMN files_moved",
  "ALTER TABLE jobs DROP COLUMN bytes_moved",
  "ALTER TABLE jobs DROP COLUMN committed_at",
  "ALTER TABLE jobs DROP COLUMN waiting_retry",
  "ALTER TABLE jobs DROP COLUMN waiting_on",
  "ALTER TABLE jobs DROP COLUMN seq",
];

async function runEach(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const jobStateMachineSchema: Migration = {
  up: (db) => runEach(db, UP),
  down: (db) => runEach(db, DOWN),
};
