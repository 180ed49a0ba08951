import path from "node:path";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeBytes } from "../../shared/format/index.ts";
import { type ManifestEntry, manifestPathFor, readManifest } from "../../shared/manifest/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import type { StepDefinition } from "../../shared/steps/index.ts";
import { driveOfJob } from "../../shared/steps/index.ts";
import { catalogFileOfManifestEntry, recordFiles } from "./catalog-files.ts";
import { countOf, describeMismatch, listFirst } from "./describe-problems.ts";
import { readStartBlocks, verifyFolderOnTape } from "./engine/index.ts";
import { jobArgumentsOrThrow } from "./job-arguments.ts";
import { readBackProgress } from "./read-back-progress.ts";
import { VERIFICATION_ERROR_CODES as CODES } from "./verification-errors.ts";

/** The step of an archive job this service does, after the folder was written and remounted. */
export const VERIFY_STEP = "verify";

/** Problems named in the job's error; the count says how many there are in all. */
const PROBLEMS_IN_ERROR = 10;
/** The read-back is most of the work; recording the files in the catalog the rest. */
const READ_BACK_SHARE = 95;

export interface VerifyStepDependencies {
  readonly catalog: CatalogClient;
  readonly config: PytarchiveConfig;
}

/**
 * The `verify` step of an archive job: reads the folder just written back from the tape
 * (mounted read-only again) and compares every file with its manifest, recording the files in
 * the catalog (with their LTFS start blocks) meanwhile; only when all match and all are recorded
 * is the folder archived. A mismatch fails the step with VERIFY_MISMATCH and stops the recording
 * (the job's failure forgets what was recorded). Idempotent: a
 * redelivery reads back and records again (the catalog replaces recorded files); a folder an
 * earlier run already marked archived on this tape is done.
 */
export function verifyStep(deps: VerifyStepDependencies): StepDefinition {
  return {
    async run({ job, item, log, signal, progress }) {
      const args = jobArgumentsOrThrow(job, "archive");
      const { folder: folderPath, tape } = args;
      const drive = driveOfJob(job, deps.config);
      const { folder } = await deps.catalog.call("folder-get", { path: folderPath });
      if (folder?.state === "archived" && folder.tapeBarcode === tape) {
        // An earlier run got as far as folder-archived and stopped before it reported.
        log.info("folder already archived by an earlier run of this step", { folder: folderPath });
        return { summary: `${folderPath} is archived on tape ${tape}; it was verified before` };
      }
      const targetName = args.targetName ?? folder?.targetName ?? null;
      if (folder === null || folder.state !== "archiving" || targetName === null) {
        throw new PytarchiveError(
          CODES.folderNotArchiving,
          `${folderPath} is not being archived${folder === null ? " (the catalog does not know it)" : ` (it is ${folder.state})`}, so job ${job.id} has nothing to verify.`,
          {
            hint: `The write step records the folder as archiving before it writes; check the ltfs service's log for job ${job.id}, then \`pytarchive requeue ${job.id}\`.`,
          },
        );
      }

      const folderOnTape = path.join(drive.mountPoint, targetName);
      progress({ percent: 0, text: `reading the manifest of ${targetName}` });
      const manifest = await readManifest(manifestPathFor(folderOnTape));
      if (manifest.folder.originalPath !== folderPath) {
        throw new PytarchiveError(
          CODES.wrongFolder,
          `${folderOnTape} on tape ${tape} holds a copy of ${manifest.folder.originalPath}, not of ${folderPath}, so ${folderPath} was not archived.`,
          {
            hint: `The name ${targetName} is taken on tape ${tape} by another folder; archive ${folderPath} under another name: \`pytarchive archive ${folderPath} ${tape} -t NAME\`.`,
          },
        );
      }

      log.info("reading the folder back from the tape", {
        folder: folderPath,
        folderOnTape,
        files: manifest.totals.files,
        bytes: manifest.totals.bytes,
      });
      // The catalog insert runs beside the read-back instead of after it: its rows are the
      // manifest's checksums, the very ones the read-back checks, and the folder becomes archived
      // only once both are over and every file matched. A mismatch or abort stops it; the rows of
      // an archive that fails or is aborted are deleted with it (the folder's failure).
      const fileEntries = manifest.entries.filter((entry) => entry.type === "file");
      const stopRecording = new AbortController();
      const recording = recordOnTape(
        deps.catalog,
        { jobId: job.id, attempt: item.attempt, path: folderPath, tape },
        folderOnTape,
        fileEntries,
        AbortSignal.any([signal, stopRecording.signal]),
      ).then(
        () => null,
        (error: unknown) => ({ error }),
      );
      const stopped = async () => {
        stopRecording.abort();
        await recording;
      };
      const report = await verifyFolderOnTape({
        folderOnTape,
        expected: manifest.entries,
        signal,
        onProgress: readBackProgress(progress, { share: { start: 0, end: READ_BACK_SHARE } }),
      }).catch(async (error: unknown) => {
        await stopped();
        throw error;
      });
      if (!report.ok) {
        await stopped();
        const problems = report.mismatches.map(describeMismatch);
        log.warn("read-back found problems", {
          folder: folderPath,
          problems: problems.slice(0, 20),
        });
        throw new PytarchiveError(
          CODES.mismatch,
          `Reading ${folderPath} back from tape ${tape} (${folderOnTape}) found ${countOf(problems.length, "problem")}: ${listFirst(problems, PROBLEMS_IN_ERROR)}.`,
          {
            hint: `${folderPath} stays prepared, not archived, and its original is untouched. \`pytarchive requeue\` would only check this same copy again (the write step keeps a complete copy that still matches the original), so clean the drive and check tape ${tape}, then archive the folder to another tape or under another name: \`pytarchive archive ${folderPath} TAPE -t NAME\`.`,
          },
        );
      }
      const verifiedAt = new Date().toISOString();
      progress({
        percent: READ_BACK_SHARE,
        text: `recording ${countOf(fileEntries.length, "file")} in the catalog`,
      });
      const recorded = await recording;
      if (recorded !== null) throw recorded.error;
      await deps.catalog.call("folder-archived", {
        jobId: job.id,
        attempt: item.attempt,
        path: folderPath,
        tape,
        fileCount: fileEntries.length,
        verifiedAt,
      });
      log.info("folder verified and archived", {
        folder: folderPath,
        tape,
        files: fileEntries.length,
        bytes: report.bytesChecked,
      });
      return {
        summary: `read back ${countOf(report.filesChecked, "file")} (${describeBytes(report.bytesChecked)}) from tape ${tape}: all checksums match; folder archived`,
      };
    },
  };
}

/** Reads where LTFS put each file (its start block) and records the files in the catalog. */
async function recordOnTape(
  catalog: CatalogClient,
  request: { jobId: string; attempt: number; path: string; tape: string },
  folderOnTape: string,
  fileEntries: readonly ManifestEntry[],
  signal: AbortSignal,
): Promise<void> {
  const files = (await readStartBlocks(folderOnTape, fileEntries)).map(catalogFileOfManifestEntry);
  await recordFiles(catalog, request, files, signal);
}
