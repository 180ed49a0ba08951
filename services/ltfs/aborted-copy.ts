import { lstat, rename } from "node:fs/promises";
import path from "node:path";
import { manifestPathFor, readManifest } from "../../shared/manifest/index.ts";
import type { CatalogJob } from "../../shared/messages/catalog-requests.ts";
import { moveIncompleteCopyAside } from "./incomplete-copies.ts";
import { type DriveSession, ensureTapeMounted, refuseBlank } from "./mount-tape.ts";

/**
 * An archive aborted before its point of no return (its folder was not recorded archived)
 * leaves no copy under the folder's name: whatever it wrote, complete or not, is moved into
 * `.pytarchive-incomplete/`, so the tape holds nothing the catalog does not know and the name
 * is free. The tape is mounted read-write for it (the read-back had it read-only). A copy of
 * another folder under the name is never touched. Returns where the copy went, or null.
 */
export async function moveAbortedCopyAside(
  session: DriveSession,
  job: CatalogJob,
): Promise<string | null> {
  const { folder, targetName } = job.args;
  if (
    job.kind !== "archive" ||
    !job.abortRequested ||
    (job.committedAt ?? null) !== null ||
    typeof folder !== "string" ||
    typeof targetName !== "string"
  ) {
    return null;
  }
  if ((await session.drive.currentMount()) === null) return null;
  const copy = path.join(session.drive.mountPoint, targetName);
  if (!(await exists(copy)) || !(await isCopyOf(copy, folder))) return null;
  await ensureTapeMounted(session, { readOnly: false, onBlank: refuseBlank });
  const manifest = manifestPathFor(copy);
  const complete = await exists(manifest);
  const aside = await moveIncompleteCopyAside({
    mountPoint: session.drive.mountPoint,
    name: targetName,
    jobId: job.id,
    attempt: job.attempts,
  });
  // The manifest lies beside the copy: left behind, a later write would take the name as done.
  if (complete) await rename(manifest, manifestPathFor(aside));
  session.log.info("the aborted archive's copy was moved aside", { copy, aside });
  return aside;
}

/** Without a manifest the copy is unfinished (ours); with one, it must name `folder`. */
async function isCopyOf(copy: string, folder: string): Promise<boolean> {
  const manifest = manifestPathFor(copy);
  if (!(await exists(manifest))) return true;
  try {
    return (await readManifest(manifest)).folder.originalPath === folder;
  } catch {
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}
