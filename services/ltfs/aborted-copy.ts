import { lstat, rename } from "node:fs/promises";
import path from "node:path";
import { manifestPathFor, readManifest } from "../../shared/manifest/index.ts";
import type { CatalogJob } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { moveIncompleteCopyAside } from "./incomplete-copies.ts";
import { type DriveSession, ensureTapeMounted, refuseBlank } from "./mount-tape.ts";

/**
 * An archive aborted before its point of no return (its folder was not recorded archived)
 * leaves no copy under the folder's name: whatever it wrote, complete or not, is moved into
 * `.pytarchive-incomplete/`, so the tape holds nothing the catalog does not know and the name
 * is free. The tape is mounted read-write for it (the read-back had it read-only). A copy of
 * another folder under the name is never touched, nor (whatever the job row says) a copy the
 * catalog records as the folder's archive on this tape under this name: moving it would take
 * away the only copy of an original that `deleteable` offers to delete. When the catalog cannot
 * be asked, nothing is moved (the caller logs the error). Returns where the copy went, or null.
 */
export async function moveAbortedCopyAside(
  session: DriveSession,
  catalog: CatalogClient,
  job: CatalogJob,
): Promise<string | null> {
  const { folder, targetName, tape } = job.args;
  if (
    job.kind !== "archive" ||
    !job.abortRequested ||
    (job.committedAt ?? null) !== null ||
    typeof folder !== "string" ||
    typeof targetName !== "string" ||
    typeof tape !== "string"
  ) {
    return null;
  }
  if ((await session.drive.currentMount()) === null) return null;
  const copy = path.join(session.drive.mountPoint, targetName);
  if (!(await exists(copy)) || !(await isCopyOf(copy, folder))) return null;
  if (await isArchivedCopy(catalog, { folder, tape, targetName })) {
    session.log.warn("the aborted archive's copy is the folder's archived copy: left in place", {
      copy,
    });
    return null;
  }
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

/** Whether the catalog records `folder` as archived on `tape` under `targetName`. */
async function isArchivedCopy(
  catalog: CatalogClient,
  where: { folder: string; tape: string; targetName: string },
): Promise<boolean> {
  const { folder } = await catalog.call("folder-get", { path: where.folder });
  return (
    folder !== null &&
    folder.state === "archived" &&
    folder.tapeBarcode === where.tape &&
    folder.targetName === where.targetName
  );
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
