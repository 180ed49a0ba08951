import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeBytes } from "../../shared/format/index.ts";
import type { CatalogFolder } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import type { StepDefinition } from "../../shared/steps/index.ts";
import { driveOfJob, verifyTargetsTape } from "../../shared/steps/index.ts";
import { adoptFolder } from "./adopt-folder.ts";
import { checkArchivedFolder, type FolderCheck } from "./check-folder.ts";
import { countOf, listFirst } from "./describe-problems.ts";
import { jobArgumentsOrThrow } from "./job-arguments.ts";
import { readBackProgress } from "./read-back-progress.ts";
import { VERIFICATION_ERROR_CODES as CODES } from "./verification-errors.ts";

/** The step of a verify job (`pytarchive verify FOLDER|TAPE`) this service does. */
export const CHECK_STEP = "check";

/** Problem lines kept in the catalog per folder. */
const MAX_RECORDED_PROBLEMS = 100;
/** Folders, and problems per folder, named in the job's error. */
const FOLDERS_IN_ERROR = 10;
const PROBLEMS_IN_ERROR = 5;

export interface CheckStepDependencies {
  readonly catalog: CatalogClient;
  readonly config: PytarchiveConfig;
}

/**
 * The `check` step of a verify job: reads every archived folder of the target (one folder, or
 * every folder the catalog has on a tape, one after the other) back from the mounted tape and
 * compares it with the catalog. Each folder's outcome is recorded with `folder-verified` (a
 * pass sets its verifiedAt, a failure clears it, so `deleteable` no longer offers the
 * original). Any problem fails the step with VERIFY_MISMATCH naming folders and files.
 * Idempotent: a redelivery checks and records everything again.
 */
export function checkStep(deps: CheckStepDependencies): StepDefinition {
  return {
    async run({ job, item, log, signal, progress }) {
      const args = jobArgumentsOrThrow(job, "verify");
      const { target } = args;
      const adopt = args.adopt === true;
      const drive = driveOfJob(job, deps.config);
      const found = await foldersOf(deps.catalog, target);
      const { tape } = found;
      // A plain verify of a tape leaves out the folders the original pytarchive archived that
      // were not adopted: the catalog has no checksums of their files, so reading them would
      // fail every file for want of a record, when only `verify --adopt` can check them.
      const notAdopted =
        !adopt && verifyTargetsTape(target)
          ? found.folders.filter((folder) => folder.checksumsFrom === null)
          : [];
      // A tape's adoption takes the folders not verified yet; a folder named is taken as it is.
      const folders =
        adopt && verifyTargetsTape(target)
          ? found.folders.filter((folder) => folder.verifiedAt === null)
          : found.folders.filter((folder) => !notAdopted.includes(folder));
      const notAdoptedNote = notAdoptedSentence(notAdopted, tape);
      if (folders.length === 0) {
        return {
          summary: `tape ${tape} holds no ${adopt ? "archived, not verified" : "archived"} folders${notAdopted.length > 0 ? " with checksums" : ""}: nothing to ${adopt ? "adopt" : "verify"}${notAdoptedNote}`,
        };
      }
      log.info("verifying archived folders", { target, tape, folders: folders.length });

      const weights = folders.map((folder) => Math.max(1, folder.sizeKiB ?? 0));
      const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
      let weightDone = 0;
      const checks: FolderCheck[] = [];
      for (const [index, folder] of folders.entries()) {
        const weight = weights[index] ?? 1;
        const share = {
          start: (100 * weightDone) / totalWeight,
          end: (100 * (weightDone + weight)) / totalWeight,
        };
        const prefix =
          folders.length > 1 ? `folder ${index + 1} of ${folders.length} (${folder.path}): ` : "";
        progress({ percent: share.start, text: `${prefix}reading the catalog and the manifest` });
        const onProgress = readBackProgress(progress, { prefix, share });
        const check = adopt
          ? await adoptFolder({
              catalog: deps.catalog,
              folder,
              mountPoint: drive.mountPoint,
              report: { jobId: job.id, attempt: item.attempt, tape },
              exclude: deps.config.general.excludeFolders,
              signal,
              onProgress,
            })
          : await checkArchivedFolder({
              catalog: deps.catalog,
              folder,
              mountPoint: drive.mountPoint,
              signal,
              onProgress,
            });
        const ok = check.problems.length === 0;
        await deps.catalog.call("folder-verified", {
          jobId: job.id,
          path: folder.path,
          ok,
          at: new Date().toISOString(),
          ...(ok ? {} : { problems: check.problems.slice(0, MAX_RECORDED_PROBLEMS) }),
          ...(adopt ? { adopted: true } : {}),
        });
        if (ok) log.info("folder verified", { folder: folder.path, files: check.filesChecked });
        else
          log.warn("folder failed verification", {
            folder: folder.path,
            problems: check.problems.slice(0, 20),
          });
        checks.push(check);
        weightDone += weight;
      }

      const files = checks.reduce((sum, check) => sum + check.filesChecked, 0);
      const bytes = checks.reduce((sum, check) => sum + check.bytesChecked, 0);
      const failed = checks.filter((check) => check.problems.length > 0);
      if (failed.length > 0) {
        throw mismatchError(target, tape, checks, failed, adopt, notAdoptedNote);
      }
      if (adopt) {
        return {
          summary: `adopted ${countOf(folders.length, "folder")}, ${countOf(files, "file")}, ${describeBytes(bytes)} on tape ${tape}: every file matches its original; verified`,
        };
      }
      // Checksums hashed from the tape by an import verify nothing: those stay not verified.
      const selfChecked = folders.filter((folder) => folder.checksumsFrom === "tape").length;
      return {
        summary: `verified ${countOf(folders.length, "folder")}, ${countOf(files, "file")}, ${describeBytes(bytes)} on tape ${tape}: all checksums match${selfChecked > 0 ? `; ${countOf(selfChecked, "folder")} hashed from the tape by import-tape stay archived, not verified (\`pytarchive verify --adopt\` compares with the original)` : ""}${notAdoptedNote}`,
      };
    },
  };
}

/** Folders named in the note on folders not adopted; the rest are counted. */
const NOT_ADOPTED_NAMED = 5;

/**
 * "; 2 folders archived by the original pytarchive are not adopted, so they were not read:
 * /a, /b; `pytarchive verify --adopt FOLDER` compares each with its original (or
 * `pytarchive verify --adopt TAPE` all of them)", or "" when there are none.
 */
function notAdoptedSentence(notAdopted: readonly CatalogFolder[], tape: string): string {
  if (notAdopted.length === 0) return "";
  const paths = notAdopted.map((folder) => folder.path);
  const named = paths.slice(0, NOT_ADOPTED_NAMED).join(", ");
  const more =
    paths.length > NOT_ADOPTED_NAMED ? ` and ${paths.length - NOT_ADOPTED_NAMED} more` : "";
  const verb = notAdopted.length === 1 ? "is" : "are";
  return `; ${countOf(notAdopted.length, "folder")} archived by the original pytarchive ${verb} not adopted, so the catalog has no checksums to read ${notAdopted.length === 1 ? "it" : "them"} by and ${notAdopted.length === 1 ? "it was" : "they were"} not read: ${named}${more}; \`pytarchive verify --adopt FOLDER\` compares each with its original (\`pytarchive verify --adopt ${tape}\` all of them)`;
}

/** The archived folders a verify job's target names, and their tape. */
async function foldersOf(
  catalog: CatalogClient,
  target: string,
): Promise<{ tape: string; folders: CatalogFolder[] }> {
  if (verifyTargetsTape(target)) {
    const contents = await catalog.call("tape-contents", { barcode: target });
    if (contents.tape === null) {
      throw new PytarchiveError(
        CODES.unknownTape,
        `Tape ${target} is not in the catalog, so there is nothing to verify on it.`,
        { hint: "`pytarchive tapes` lists the known tapes." },
      );
    }
    return {
      tape: target,
      folders: contents.folders.filter((folder) => folder.state === "archived"),
    };
  }
  const { folder } = await catalog.call("folder-get", { path: target });
  if (folder === null || folder.state !== "archived" || folder.tapeBarcode === null) {
    throw new PytarchiveError(
      CODES.folderNotArchived,
      `${target} is not archived${folder === null ? " (the catalog does not know it)" : ` (it is ${folder.state})`}, so there is nothing to verify.`,
      { hint: "`pytarchive summary` lists the archived folders on each tape." },
    );
  }
  return { tape: folder.tapeBarcode, folders: [folder] };
}

function mismatchError(
  target: string,
  tape: string,
  checks: readonly FolderCheck[],
  failed: readonly FolderCheck[],
  adopt: boolean,
  notAdoptedNote = "",
): PytarchiveError {
  const what = verifyTargetsTape(target) ? `tape ${tape}` : `${target} on tape ${tape}`;
  const lines = failed
    .slice(0, FOLDERS_IN_ERROR)
    .map(
      (check) =>
        `${check.path}: ${countOf(check.problems.length, "problem")}: ${listFirst(check.problems, PROBLEMS_IN_ERROR)}`,
    );
  if (failed.length > FOLDERS_IN_ERROR) {
    lines.push(`and ${countOf(failed.length - FOLDERS_IN_ERROR, "more folder")}`);
  }
  return new PytarchiveError(
    CODES.mismatch,
    [
      `${adopt ? "Adopting" : "Verifying"} ${what} found problems in ${countOf(failed.length, "folder")} of ${checks.length}:`,
      ...lines,
      ...(notAdoptedNote === "" ? [] : [`Not read${notAdoptedNote.replace(/^; /, ": ")}.`]),
    ].join("\n"),
    {
      hint: adopt
        ? `Keep the originals: ${failed.length === 1 ? "this folder stays" : "these folders stay"} archived, not verified, and \`pytarchive deleteable\` does not list ${failed.length === 1 ? "it" : "them"}. A file that differs was changed after it was copied, or the copy is damaged: archive the folder again with pytarchive.`
        : `Keep the originals: \`pytarchive deleteable\` no longer lists ${failed.length === 1 ? "this folder" : "these folders"}. Clean the drive and run \`pytarchive verify ${target}\` again; if the same files fail, the copy on tape ${tape} is damaged and the original is the only good copy.`,
    },
  );
}
