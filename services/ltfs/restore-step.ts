import { lstat, mkdir } from "node:fs/promises";
import path from "node:path";
import { describeCount } from "../../shared/format/index.ts";
import { type Manifest, manifestPathFor, readManifest } from "../../shared/manifest/index.ts";
import type { CatalogFile } from "../../shared/messages/index.ts";
import { readFolderFiles } from "../../shared/nats/index.ts";
import type { StepDefinition } from "../../shared/steps/index.ts";
import { tapeOfJob } from "../../shared/steps/index.ts";
import type { UserXattrs } from "../../shared/xattrs/index.ts";
import { describeRate, describeTransfer, throttled } from "./describe-transfer.ts";
import {
  compressionOfArchive,
  type RestoreEntry,
  type RestoreProgress,
  restoreFolderFromTape,
  restorePackedFolderFromTape,
  structureFromTape,
} from "./engine/index.ts";
import { restoreArgumentsOf } from "./job-arguments.ts";
import { LTFS_SERVICE_ERROR_CODES as CODES, ltfsServiceError } from "./ltfs-service-errors.ts";
import { driveSessionOf, type LtfsStepDependencies } from "./step-dependencies.ts";
import { isInside } from "./tape-drives.ts";

export const RESTORE_STEP = "restore";

const PROGRESS_EVERY_MS = 1_000;

/**
 * The `restore` step: copies an archived folder (or one subfolder) from the mounted tape into an
 * empty or new target (or into its own when run again after an interruption: the job's marker
 * there says so, and what is already complete is kept), in tape order, checking every file
 * against the checksum the catalog recorded; folders' modes and times and symbolic links come from the manifest on the tape. A
 * packed folder's archive is restored into scratch_path, checked, unpacked and removed.
 */
export function restoreStep(deps: LtfsStepDependencies): StepDefinition {
  return {
    async run(run) {
      const { job, signal } = run;
      const args = restoreArgumentsOf(job);
      const barcode = await tapeOfJob(job, deps.catalog);
      const session = driveSessionOf(deps, run, barcode);
      const { folder } = await deps.catalog.call("folder-get", { path: args.folder });
      const name = folder?.targetName ?? null;
      if (folder === null || name === null) {
        throw ltfsServiceError(
          CODES.folderNotReady,
          `The catalog has no name on tape for ${args.folder}, so it cannot be found on tape ${barcode}.`,
          "`pytarchive summary` lists the archived folders on each tape.",
        );
      }
      if (folder.checksumsFrom === null) {
        // Requeued before adoption: restoring would check nothing and could end with only folders.
        throw ltfsServiceError(
          CODES.legacyNotAdopted,
          `${folder.path} was archived by the original pytarchive and the catalog has no checksums of its files yet, so it cannot be restored file by file; nothing was restored.`,
          `Adopt it first (\`pytarchive verify --adopt ${folder.path}\`), then requeue this job; or import its tape (\`pytarchive import-tape ${barcode}\`) when the original is gone.`,
        );
      }
      // The target is checked by the engine before it reads the tape: empty or missing, or
      // this job's own interrupted work (its marker is there, continued), or its finished work.
      if (!(await session.drive.isMounted())) {
        throw ltfsServiceError(
          CODES.tapeNotMounted,
          `No tape is mounted in drive ${session.driveConfig.element} (${session.drive.mountPoint}), so ${args.folder} cannot be restored from tape ${barcode}.`,
          "Requeue the job: its mount step mounts the tape first.",
        );
      }
      const folderOnTape = path.join(session.drive.mountPoint, name);
      const manifest = await manifestIfWritten(folderOnTape);
      if (manifest !== null && manifest.folder.originalPath !== folder.path) {
        throw ltfsServiceError(
          CODES.catalogMismatch,
          `${name} on tape ${barcode} is a copy of ${manifest.folder.originalPath}, not of ${folder.path} as the catalog says; nothing was restored.`,
          `Check that the cartridge labelled ${barcode} is the tape the catalog means.`,
        );
      }
      run.progress({ text: `reading the file list of ${folder.path} from the catalog` });
      const files = await readFolderFiles(deps.catalog, folder.path, {
        signal,
        onPage: run.working,
      });
      const what = args.subfolder ? `${folder.path}/${args.subfolder}` : folder.path;
      const report = throttled(PROGRESS_EVERY_MS, (progress: RestoreProgress) => {
        const { percent, text, counts } = describeTransfer(progress);
        run.progress({ percent, counts, text: `restoring ${what} from tape ${barcode}: ${text}` });
      });
      session.log.info("restoring", {
        folder: folder.path,
        subfolder: args.subfolder ?? null,
        target: args.target,
        files: files.length,
        compressed: folder.compressed,
      });
      const common = {
        folderOnTape,
        target: args.target,
        subfolder: args.subfolder ?? null,
        owner: job.id,
        signal,
        onProgress: (progress: RestoreProgress) => report(progress),
      };
      const result = folder.compressed
        ? await restorePackedFolderFromTape({
            ...common,
            entries: files.map((file) => fileEntry(file)),
            scratchDir: await scratchDir(deps),
            compression: manifest?.folder.compression ?? compressionOfArchive(files[0]?.path ?? ""),
            archiveTop: path.basename(folder.path),
          })
        : await restoreFolderFromTape({
            ...common,
            entries:
              manifest === null
                ? [
                    ...files.map((file) => fileEntry(file)),
                    ...(await structureFromTape(folderOnTape)),
                  ]
                : entriesOf(files, manifest),
            rootXattrs: manifest?.folder.xattrs ?? null,
          });
      // The data is what matters; attributes the target cannot keep are a warning, not a failure.
      const skipped = result.xattrsNotRestored ?? 0;
      if (skipped > 0) {
        session.log.warn(XATTRS_NOT_RESTORED, { target: args.target, paths: skipped });
      }
      return {
        summary: `restored ${what} from tape ${barcode} to ${args.target}: ${describeCount(result.files)} files${folder.compressed ? " (unpacked from its archive)" : ""}, ${describeRate(result.bytes, result.durationMs)}, ${checksumsMatched(folder)}${skipped > 0 ? `; warning: ${XATTRS_NOT_RESTORED} on ${describeCount(skipped)} files and folders` : ""}`,
      };
    },
  };
}

/**
 * What the checksums that matched are worth: those import-tape took from the tape itself only
 * show the restore equals the tape, not that the tape equals the original.
 */
function checksumsMatched(folder: { path: string; checksumsFrom?: string | null }): string {
  if (folder.checksumsFrom !== "tape") return "every checksum matched";
  return `every checksum matched those import-tape took from the tape; they were never compared with the original (\`pytarchive verify --adopt ${folder.path}\` compares them while the original is there)`;
}

/**
 * The folder's manifest; null for a folder written without one (by the original pytarchive, `cp`
 * or another LTFS tool, recorded by `import-tape` or `import-legacy`): its folders and links then
 * come from the tape itself. Either way every file is checked against the catalog's checksum.
 */
async function manifestIfWritten(folderOnTape: string): Promise<Manifest | null> {
  const manifestPath = manifestPathFor(folderOnTape);
  return (await exists(manifestPath)) ? readManifest(manifestPath) : null;
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

/** The warning of a restore whose target could not keep the files' user extended attributes. */
export const XATTRS_NOT_RESTORED =
  "extended attributes not restored (the target's file system does not support them)";

function fileEntry(file: CatalogFile, xattrs?: UserXattrs): RestoreEntry {
  return {
    ...(xattrs === undefined ? {} : { xattrs }),
    path: file.path,
    type: "file",
    size: file.sizeBytes,
    mtimeNs: file.mtimeNs,
    mode: file.mode,
    sha256: file.sha256,
    linkTarget: null,
    startBlock: file.startBlock,
    partition: file.partition,
  };
}

/**
 * The catalog's files (their checksums are what the restore checks) and the manifest's folders
 * and links, which the catalog does not keep, nor the files' extended attributes.
 */
function entriesOf(files: readonly CatalogFile[], manifest: Manifest): RestoreEntry[] {
  const others = manifest.entries
    .filter((entry) => entry.type !== "file")
    .map((entry) => ({ ...entry, startBlock: null, partition: null }));
  const xattrs = new Map(
    manifest.entries.flatMap((entry) =>
      entry.type === "file" && entry.xattrs !== undefined ? [[entry.path, entry.xattrs]] : [],
    ),
  );
  return [...files.map((file) => fileEntry(file, xattrs.get(file.path))), ...others];
}

async function scratchDir(deps: LtfsStepDependencies): Promise<string> {
  const { scratchPath } = deps.config.general;
  // As the compression service: the default in the state folder is created, another is not.
  if (isInside(scratchPath, deps.config.paths.stateDir)) {
    await mkdir(scratchPath, { recursive: true });
  }
  return scratchPath;
}
