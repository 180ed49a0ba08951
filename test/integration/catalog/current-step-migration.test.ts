import { type Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { type CatalogSchema, getJob, migrateCatalog } from "../../../services/catalog/db/index.ts";
import { catalogDatabaseFactories, migrateCatalogUpTo } from "../../helpers/databases.ts";

/*
 * Migration 0011 keeps the step a running job is in (`current_step`), so a worker handed an
 * older step of the attempt can drop it. Jobs running when it arrives start from the step they
 * wait on; a job whose step a worker took up has none, and its steps run as before.
 */

const BEFORE_CURRENT_STEP = "0010_files_statistics";

async function jobBefore(
  db: Kysely<CatalogSchema>,
  row: { id: string; state: string; waitingOn: string | null },
): Promise<void> {
  await sql`insert into jobs (id, kind, args, priority, state, attempts, started_at, library_id,
      waiting_on)
    values (${row.id}, 'archive', '{}'::jsonb, 100, ${row.state}, 1, now(), 'default',
      ${row.waitingOn})`.execute(db.withoutPlugins());
}

describe.each(catalogDatabaseFactories)("migration 0011 on $dialect", (factory) => {
  it("gives running jobs the step they wait on as their current step, and the others none", async () => {
    const database = await factory.open({ migrated: false });
    try {
      const { db } = database;
      await migrateCatalogUpTo(db, BEFORE_CURRENT_STEP);
      await jobBefore(db, { id: "0000000a", state: "running", waitingOn: "remount" });
      await jobBefore(db, { id: "0000000b", state: "running", waitingOn: null });
      await jobBefore(db, { id: "0000000c", state: "queued", waitingOn: null });

      expect(await migrateCatalog(db, "default")).toEqual(["0011_current_step"]);

      expect(await getJob(db, "0000000a")).toMatchObject({ currentStep: "remount" });
      expect(await getJob(db, "0000000b")).toMatchObject({ currentStep: null });
      expect(await getJob(db, "0000000c")).toMatchObject({ currentStep: null });
    } finally {
      await database.close();
    }
  });
});
