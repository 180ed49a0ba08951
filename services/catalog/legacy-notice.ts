import { access } from "node:fs/promises";
import path from "node:path";
import type { Kysely } from "kysely";
import type { CatalogSchema } from "./db/index.ts";

/**
 * What to tell the operator when the original pytarchive's `database.json` (and `queue.json`)
 * sit in the state folder — the folder both use by default — and the catalog is still empty:
 * its folders are not known here until imported, and pytarchive never imports on its own.
 * Null when there is nothing to say.
 *
 * @example
 * const notice = await legacyFilesNotice(db, "/var/lib/pytarchive");
 * if (notice !== null) log.warn(notice.message, notice);
 */
export async function legacyFilesNotice(
  db: Kysely<CatalogSchema>,
  stateFolder: string,
): Promise<{ message: string; command: string } | null> {
  const database = path.join(stateFolder, "database.json");
  const queue = path.join(stateFolder, "queue.json");
  if (!(await exists(database))) return null;
  const [folders, jobs] = await Promise.all([
    db.selectFrom("folders").select("id").limit(1).execute(),
    db.selectFrom("jobs").select("id").limit(1).execute(),
  ]);
  if (folders.length > 0 || jobs.length > 0) return null;
  const withQueue = await exists(queue);
  const command = `pytarchive import-legacy ${database}${withQueue ? ` --queue ${queue}` : ""}`;
  return {
    message: `the original pytarchive's ${withQueue ? "database.json and queue.json are" : "database.json is"} in ${stateFolder} and the catalog is empty: nothing was imported. See what would be imported with \`${command} --dry-run\`, then run \`${command}\`.`,
    command,
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
