import { type Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { type CatalogSchema, getJob, migrateCatalog } from "../../../services/catalog/db/index.ts";
import { catalogDatabaseFactories, migrateCatalogUpTo } from "../../helpers/databases.ts";

/*
 * Jobs running when the job state machine (migration 0005) arrives: what they wait on was only
 * in their progress text, and an archive may already have archived its folder.
 */

const BEFORE_STATE_MACHINE = "0004_apparent_size";

/** A job row as the version before 0005 wrote it. */
async function oldJob(
  db: Kysely<CatalogSchema>,
  row: { id: string; kind: string; state: string; progress: string | null; args?: object },
): Promise<void> {
  await sql`insert into jobs (id, kind, args, priority, state, progress, attempts, started_at)
    values (${row.id}, ${row.kind}, ${JSON.stringify(row.args ?? {})}::jsonb, 100, ${row.state},
      ${row.progress}, 1, now())`.execute(db.withoutPlugins());
}

describe.each(catalogDatabaseFactories)("migration 0005 on $dialect", (factory) => {
  it("reads once from their progress text the step running jobs wait on, and commits a running archive whose folder is archived", async () => {
    const database = await factory.open({ migrated: false });
    try {
      const { db } = database;
      await migrateCatalogUpTo(db, BEFORE_STATE_MACHINE);
      await oldJob(db, {
        id: "0000000a",
        kind: "archive",
        state: "running",
        progress: "waiting for the ltfs service (step write)",
      });
      await oldJob(db, {
        id: "0000000b",
        kind: "archive",
        state: "running",
        progress:
          "waiting for the changer service (step unload), again after mounting and unmounting the tape",
      });
      // A worker took its step up: nothing is waited on.
      await oldJob(db, {
        id: "0000000c",
        kind: "restore",
        state: "running",
        progress: "restoring data/a.bin: 40 %",
      });
      await oldJob(db, {
        id: "0000000d",
        kind: "verify",
        state: "queued",
        progress: "waiting for the verification service (step verify)",
      });
      await sql`insert into tapes (barcode, home_slot) values ('AAA001L9', 1)`.execute(
        db.withoutPlugins(),
      );
      await sql`insert into folders (path, state, target_name, tape_barcode, archived_at,
          size_kib, file_count, compressed)
        values ('/srv/alpha', 'archived', 'alpha', 'AAA001L9', now(), 1, 1, false)`.execute(
        db.withoutPlugins(),
      );
      await oldJob(db, {
        id: "0000000e",
        kind: "archive",
        state: "running",
        progress: "unmounting tape AAA001L9",
        args: { folder: "/srv/alpha", tape: "AAA001L9", targetName: "alpha" },
      });

      await migrateCatalog(db, "default");

      expect(await getJob(db, "0000000a")).toMatchObject({
        waitingOn: "write",
        waitingRetry: false,
        committedAt: null,
      });
      expect(await getJob(db, "0000000b")).toMatchObject({
        waitingOn: "unload",
        waitingRetry: true,
      });
      expect(await getJob(db, "0000000c")).toMatchObject({ waitingOn: null, waitingRetry: false });
      expect(await getJob(db, "0000000d")).toMatchObject({ waitingOn: null });
      expect((await getJob(db, "0000000e"))?.committedAt).toBeInstanceOf(Date);
    } finally {
      await database.close();
    }
  });
});
