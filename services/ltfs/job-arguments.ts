import type { PytarchiveError } from "../../shared/errors/index.ts";
import type { CatalogJob } from "../../shared/messages/index.ts";
import {
  defaultTargetName,
  defineMessage,
  JOB_ARGUMENT_SCHEMAS,
  type JobArguments,
} from "../../shared/messages/index.ts";
import { LTFS_SERVICE_ERROR_CODES as CODES, ltfsServiceError } from "./ltfs-service-errors.ts";

const ArchiveArguments = defineMessage("archive job arguments", JOB_ARGUMENT_SCHEMAS.archive);
const RestoreArguments = defineMessage("restore job arguments", JOB_ARGUMENT_SCHEMAS.restore);

/** An archive job's folder, tape and name on tape. */
export interface ArchiveTarget {
  readonly folder: string;
  readonly tape: string;
  readonly targetName: string;
}

export function archiveArgumentsOf(job: CatalogJob): ArchiveTarget {
  if (job.kind !== "archive" || !ArchiveArguments.is(job.args))
    throw wrongArguments(job, "archive");
  const { folder, tape, targetName } = job.args;
  return { folder, tape, targetName: targetName ?? defaultTargetName(folder) };
}

export function restoreArgumentsOf(job: CatalogJob): JobArguments<"restore"> {
  if (job.kind !== "restore" || !RestoreArguments.is(job.args))
    throw wrongArguments(job, "restore");
  return job.args;
}

/** The name an archive job writes under, or null for other jobs (and unreadable arguments). */
export function ownTargetNameOf(job: CatalogJob): string | null {
  if (job.kind !== "archive" || !ArchiveArguments.is(job.args)) return null;
  return job.args.targetName ?? defaultTargetName(job.args.folder);
}

function wrongArguments(job: CatalogJob, expected: string): PytarchiveError {
  return ltfsServiceError(
    CODES.invalidJobArguments,
    `Job ${job.id} is a ${job.kind} job with arguments ${JSON.stringify(job.args)}, not a ${expected} job's.`,
    "Check that every pytarchive service runs the same version.",
  );
}
