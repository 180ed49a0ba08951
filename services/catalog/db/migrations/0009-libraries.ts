import { sql } from "kysely";
import type { Migration } from "kysely/migration";
import { runStatements } from "./statement-migration.ts";

/*
 * Several tape libraries (each its own `[NATS] library_id`) may share one catalog database.
 * Folders stay one namespace for the site (an original is archived once, wherever), but a job
 * runs in the library whose scheduler takes it, and a tape sits in one library at a time (the
 * one whose changer last saw it): both get the library's id. Rows from before belong to the
 * library whose catalog service migrates first, which is the only library that could use the
 * database until now.
 *
 * Parametrised by that library id, so it is built per service (catalogMigrations); the id is
 * bound as a parameter, never spliced into the SQL.
 */

const UP_BEFORE = [
  "ALTER TABLE jobs ADD COLUMN library_id text",
  "ALTER TABLE tapes ADD COLUMN library_id text",
];

const UP_AFTER = [
  "ALTER TABLE jobs ALTER COLUMN library_id SET NOT NULL",
  "ALTER TABLE tapes ALTER COLUMN library_id SET NOT NULL",
  // The queue, the claim and the history of one library: its rows only.
  "CREATE INDEX jobs_library_queue ON jobs (library_id, state, priority, created_at, seq)",
  "CREATE INDEX tapes_library ON tapes (library_id, barcode)",
];

const DOWN = [
  "DROP INDEX tapes_library",
  "DROP INDEX jobs_library_queue",
  "ALTER TABLE tapes DROP COLUMN library_id",
  "ALTER TABLE jobs DROP COLUMN library_id",
];

/** Migration 0009 for the catalog service of library `libraryId` (existing rows become its). */
export function librariesSchema(libraryId: string): Migration {
  return {
    async up(db) {
      await runStatements(db, UP_BEFORE);
      await sql`UPDATE jobs SET library_id = ${libraryId}`.execute(db);
      await sql`UPDATE tapes SET library_id = ${libraryId}`.execute(db);
      await runStatements(db, UP_AFTER);
    },
    down: (db) => runStatements(db, DOWN),
  };
}
