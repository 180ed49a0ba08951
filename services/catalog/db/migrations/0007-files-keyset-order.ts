import { statementMigration } from "./statement-migration.ts";

/*
 * Restores and verifies page through a folder's files in tape order by keyset ("the rows after
 * this one"), not OFFSET, which re-reads every earlier row and made a 200,000-file listing
 * quadratic. A row comparison needs a key without NULLs, so files without a partition or start
 * block (empty files) sort last through coalesce; this index is exactly that key, and replaces
 * the one on the bare columns.
 */

const UP = [
  `CREATE INDEX files_tape_order_keyset ON files (
    folder_id,
    (coalesce(partition, 'z') COLLATE "C"),
    (coalesce(start_block, 9223372036854775807)),
    relative_path COLLATE "C"
  )`,
  // Same order with NULLs: the new index serves it, and both would be updated on every insert.
  "DROP INDEX files_tape_order_paged",
];

const DOWN = [
  `CREATE INDEX files_tape_order_paged
    ON files (folder_id, partition, start_block, relative_path COLLATE "C")`,
  "DROP INDEX files_tape_order_keyset",
];

export const filesKeysetOrderSchema = statementMigration(UP, DOWN);
