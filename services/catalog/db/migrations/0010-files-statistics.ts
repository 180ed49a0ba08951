import { statementMigration } from "./statement-migration.ts";

/*
 * After a large archive the catalog refreshes the planner's statistics of the files table
 * (analyzeFiles). A full ANALYZE sampled 30,000 rows of every column: 200 ms at 200,000 files,
 * during which the embedded catalog (PGlite, on the catalog's event loop) answered no one. Every
 * query on files picks rows by folder, so only folder_id's statistics matter; ten most common
 * values and a 3,000-row sample still tell a large folder from a small one, in about 20 ms.
 */

const UP = ["ALTER TABLE files ALTER COLUMN folder_id SET STATISTICS 10"];

const DOWN = ["ALTER TABLE files ALTER COLUMN folder_id SET STATISTICS -1"];

export const filesStatisticsSchema = statementMigration(UP, DOWN);
