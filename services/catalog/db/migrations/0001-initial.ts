import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/*
 * The first catalog schema: folders, tapes, files, jobs, events. Plain SQL, one statement per
 * call (PGlite's extended protocol takes one statement at a time). Sizes are int8: a tape holds
 * 1.7e10 KiB and a file may exceed 2^31 bytes.
 */

const UP = [
  `CREATE TABLE tapes (
    barcode text PRIMARY KEY CHECK (barcode ~ '^[A-Z0-9]{1,32}$'),
    volume_serial text,
    volume_uuid uuid,
    generation text CHECK (generation IN ('L5', 'L6', 'L7', 'M8', 'L8', 'L9', 'L10')),
    state text NOT NULL DEFAULT 'blank'
      CHECK (state IN ('blank', 'formatted', 'full', 'retired')),
    cleaning boolean NOT NULL DEFAULT false,
    used_kib bigint CHECK (used_kib >= 0),
    capacity_kib bigint CHECK (capacity_kib > 0),
    home_slot integer CHECK (home_slot >= 0),
    formatted_at timestamptz,
    last_seen_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,

  `CREATE TABLE folders (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path text NOT NULL UNIQUE CHECK (left(path, 1) = '/'),
    target_name text CHECK (
      target_name <> '' AND strpos(target_name, '/') = 0 AND target_name NOT IN ('.', '..')
    ),
    description text NOT NULL DEFAULT '',
    state text NOT NULL
      CHECK (state IN ('preparing', 'prepared', 'archiving', 'archived', 'failed')),
    error text,
    size_kib bigint CHECK (size_kib >= 0),
    file_count bigint CHECK (file_count >= 0),
    compressed boolean NOT NULL DEFAULT false,
    archive_path text,
    tape_barcode text REFERENCES tapes (barcode) ON UPDATE CASCADE,
    verified_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    archived_at timestamptz,
    CONSTRAINT folders_measured_once_prepared CHECK (
      state IN ('preparing', 'failed') OR (size_kib IS NOT NULL AND file_count IS NOT NULL)
    ),
    CONSTRAINT folders_compressed_has_archive CHECK (
      state IN ('preparing', 'failed') OR NOT compressed OR archive_path IS NOT NULL
    ),
    CONSTRAINT folders_archived_has_tape CHECK (
      state <> 'archived'
      OR (tape_barcode IS NOT NULL AND target_name IS NOT NULL AND archived_at IS NOT NULL)
    )
  )`,

  // Two archived folders cannot share a name on one tape: the second would overwrite the first.
  `CREATE UNIQUE INDEX folders_archived_name_on_tape ON folders (tape_barcode, target_name)
    WHERE state = 'archived'`,
  "CREATE INDEX folders_state ON folders (state)",

  `CREATE TABLE files (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    folder_id integer NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    relative_path text NOT NULL CHECK (relative_path <> '' AND left(relative_path, 1) <> '/'),
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    mtime_ns bigint NOT NULL,
    mode integer NOT NULL CHECK (mode >= 0),
    checksum text CHECK (checksum ~ '^[0-9a-f]{64}$'),
    tape_barcode text NOT NULL REFERENCES tapes (barcode) ON UPDATE CASCADE,
    start_block bigint CHECK (start_block >= 0),
    partition text CHECK (partition IN ('a', 'b')),
    CONSTRAINT files_one_row_per_path UNIQUE (folder_id, relative_path)
  )`,
  // Restores read a folder's files in the order they lie on tape.
  "CREATE INDEX files_tape_order ON files (folder_id, partition, start_block)",

  `CREATE TABLE jobs (
    id char(8) PRIMARY KEY CHECK (id ~ '^[0-9a-f]{8}$'),
    kind text NOT NULL
      CHECK (kind IN ('prepare', 'archive', 'restore', 'explore', 'inventory', 'verify')),
    args jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(args) = 'object'),
    priority integer NOT NULL,
    state text NOT NULL DEFAULT 'queued'
      CHECK (state IN ('queued', 'running', 'failed', 'done', 'aborted')),
    progress text,
    error text,
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    abort_requested boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at timestamptz,
    finished_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT jobs_failed_has_error CHECK (state <> 'failed' OR error IS NOT NULL)
  )`,
  // The queue order: lower priority first, then the oldest.
  "CREATE INDEX jobs_queue_order ON jobs (state, priority, created_at, id)",

  `CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id char(8) REFERENCES jobs (id) ON DELETE SET NULL,
    kind text NOT NULL CHECK (kind <> ''),
    payload jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  "CREATE INDEX events_by_job ON events (job_id, id)",
];

const DOWN = [
  "DROP TABLE events",
  "DROP TABLE jobs",
  "DROP TABLE files",
  "DROP TABLE folders",
  "DROP TABLE tapes",
];

async function runEach(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const initialSchema: Migration = {
  up: (db) => runEach(db, UP),
  down: (db) => runEach(db, DOWN),
};
