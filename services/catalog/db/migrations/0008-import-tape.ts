import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/*
 * `pytarchive import-tape` rebuilds catalog entries from what is on a tape: a new job kind, and
 * where a folder's recorded checksums come from. `original`: computed from the original while
 * it was copied (an archive, or a manifest on the tape), so a read-back compares the tape with
 * the original's bytes. `tape`: hashed from the tape itself by an import of a folder without a
 * manifest, so a read-back only compares the tape with itself and verifies nothing (`verify
 * --adopt` compares with the original instead). `adopted`: hashed from a tape without a manifest
 * and found equal to the original by `verify --adopt`. Null: no files recorded (an entry of the
 * original's database.json). Only `original` folders have a manifest on their tape. Folders with
 * files, or archived and verified, before this migration were copied by pytarchive: `original`
 * (an archived folder without files and never verified came from the original's database.json).
 */

const KINDS_BEFORE = "'prepare', 'archive', 'restore', 'explore', 'inventory', 'verify'";

const UP = [
  "ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check",
  `ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN (${KINDS_BEFORE}, 'import-tape'))`,
  "ALTER TABLE folders ADD COLUMN checksums_from text CHECK (checksums_from IN ('original', 'tape', 'adopted'))",
  `UPDATE folders SET checksums_from = 'original'
    WHERE (state = 'archived' AND verified_at IS NOT NULL)
      OR EXISTS (SELECT 1 FROM files WHERE files.folder_id = folders.id)`,
];

const DOWN = [
  "ALTER TABLE folders DROP COLUMN checksums_from",
  "DELETE FROM jobs WHERE kind = 'import-tape'",
  "ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check",
  `ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN (${KINDS_BEFORE}))`,
];

async function runEach(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const importTapeSchema: Migration = {
  up: (db) => runEach(db, UP),
  down: (db) => runEach(db, DOWN),
};
