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
  // Jobs running when this version arrives said what they wait on only in their progress text
  // ("waiting for the ltfs service (step write)", the unload retried after the 53/03 recovery
  // ending ", again after mounting and unmounting the tape"): read once, so a restarted
  // scheduler sends that step again at once instead of after the stall timeout.
  `UPDATE jobs SET
      waiting_on = substring(progress FROM '^waiting for the [a-z-]+ service \\(step ([a-z][a-z-]*)\\)'),
      waiting_retry = progress LIKE '%, again after mounting and unmounting the tape'
    WHERE state = 'running'
      AND progress ~ '^waiting for the [a-z-]+ service \\(step [a-z][a-z-]*\\)'`,
  // A running archive whose folder is already archived where it writes is past its point of
  // no return: an abort is too late, and its copy must never be moved aside.
  `UPDATE jobs SET committed_at = clock_timestamp()
    FROM folders
    WHERE jobs.kind = 'archive' AND jobs.state = 'running'
      AND folders.state = 'archived'
      AND folders.path = jobs.args->>'folder'
      AND folders.tape_barcode = jobs.args->>'tape'
      AND folders.target_name = jobs.args->>'targetName'`,
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
