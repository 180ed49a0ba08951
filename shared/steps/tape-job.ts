import type { DriveConfig, PytarchiveConfig } from "../config/index.ts";
import { PytarchiveError } from "../errors/index.ts";
import type { CatalogJob } from "../messages/index.ts";
import type { CatalogClient } from "../nats/index.ts";

/*
 * What every service working on a tape job needs to know about it: which tape, which drive,
 * where that drive's tape is mounted. One answer for the scheduler, ltfs, verification and
 * export services alike.
 */

/** Job kinds that need a tape in a drive. */
export const TAPE_JOB_KINDS = ["archive", "restore", "verify", "explore", "import-tape"] as const;

/** Whether a job of `kind` mounts its tape read-only (all but archive: nothing else writes). */
export function mountsReadOnly(kind: string): boolean {
  return kind !== "archive";
}

/** Whether a `verify` job's target names a tape (a barcode) rather than a folder (a path). */
export function verifyTargetsTape(target: string): boolean {
  return !target.startsWith("/");
}

/**
 * The barcode of the tape `job` works on: its `tape` argument (archive, explore), the tape the
 * catalog has its folder on (restore, verify FOLDER), or the barcode it names (verify TAPE).
 * Throws FOLDER_NOT_ARCHIVED when the folder is (no longer) on a tape.
 */
export async function tapeOfJob(job: CatalogJob, catalog: CatalogClient): Promise<string> {
  const args = job.args;
  if (typeof args.tape === "string") return args.tape;
  const folderPath =
    job.kind === "verify" && typeof args.target === "string"
      ? verifyTargetsTape(args.target)
        ? null
        : args.target
      : typeof args.folder === "string"
        ? args.folder
        : null;
  if (folderPath === null) {
    if (job.kind === "verify" && typeof args.target === "string") return args.target;
    throw new PytarchiveError(
      "INVALID_JOB_ARGUMENTS",
      `Job ${job.id} (${job.kind}) names no tape and no folder: ${JSON.stringify(args)}.`,
      { hint: "Check that every pytarchive service runs the same version." },
    );
  }
  const { folder } = await catalog.call("folder-get", { path: folderPath });
  if (folder === null || folder.tapeBarcode === null || folder.state !== "archived") {
    throw new PytarchiveError(
      "FOLDER_NOT_ARCHIVED",
      `${folderPath} is not archived on any tape${folder === null ? "" : ` (it is ${folder.state})`}, so job ${job.id} has nothing to read.`,
      { hint: "`pytarchive summary` lists the archived folders on each tape." },
    );
  }
  return folder.tapeBarcode;
}

/** The configured drive a running tape job was given. Throws when it has none or it is unknown. */
export function driveOfJob(job: CatalogJob, config: PytarchiveConfig): DriveConfig {
  const drive = config.device.drives.find((candidate) => candidate.element === job.drive);
  if (drive === undefined) {
    throw new PytarchiveError(
      "JOB_HAS_NO_DRIVE",
      job.drive === null
        ? `Job ${job.id} (${job.kind}) was given no drive, so there is no tape to work on.`
        : `Job ${job.id} was given drive ${job.drive}, which this service's configuration does not have (drives: ${config.device.drives.map((d) => d.element).join(", ")}).`,
      { hint: "Every service must read the same pytarchive.conf; fix it, then requeue the job." },
    );
  }
  return drive;
}
