import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/*
 * The original pytarchive's state, imported: when a folder's size was measured (the date its
 * summary showed as "as of", kept for prepares of this version too), and which task of the
 * original's queue.json a job was made from, so that importing again adds it once. The original
 * counted no files: a folder it measured has a size and no file count; and it deleted a packed
 * folder's tarball once archived without keeping its path: an archived packed folder needs none.
 */

const UP = [
  "ALTER TABLE folders DROP CONSTRAINT folders_measured_once_prepared",
  `ALTER TABLE folders ADD CONSTRAINT folders_measured_once_prepared
    CHECK (state IN ('preparing', 'failed') OR size_kib IS NOT NULL)`,
  "ALTER TABLE folders DROP CONSTRAINT folders_compressed_has_archive",
  `ALTER TABLE folders ADD CONSTRAINT folders_compressed_has_archive
    CHECK (state IN ('preparing', 'failed', 'archived') OR NOT compressed OR archive_path IS NOT NULL)`,
  "ALTER TABLE folders ADD COLUMN measured_at timestamptz",
  "ALTER TABLE jobs ADD COLUMN legacy_key text UNIQUE CHECK (legacy_key ~ '^[0-9a-f]{32}$')",
];

const DOWN = [
  "ALTER TABLE folders DROP CONSTRAINT folders_compressed_has_archive",
  `ALTER TABLE folders ADD CONSTRAINT folders_compressed_has_archive
    CHECK (state IN ('preparing', 'failed') OR NOT compressed OR archive_path IS NOT NULL)`,
  "ALTER TABLE jobs DROP COLUMN legacy_key",
  "ALTER TABLE folders DROP COLUMN measured_at",
];

async function runEach(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const legacyImportSchema: Migration = {
  up: (db) => runEach(db, UP),
  down: (db) => runEach(db, DOWN),
};
