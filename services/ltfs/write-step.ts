import { lstat, rename } from "node:fs/promises";
import path from "node:path";
import type { PytarchiveError } from "../../shared/errors/index.ts";
import { describeBytes, describeCount } from "../../shared/format/index.ts";
import { type Manifest, manifestPathFor, readManifest } from "../../shared/manifest/index.ts";
import type { CatalogFolder } from "../../shared/messages/index.ts";
import type { StepDefinition, StepRun } from "../../shared/steps/index.ts";
import { differenceFromOriginal } from "./copy-matches-original.ts";
import { describeRate, describeTransfer, throttled } from "./describe-transfer.ts";
import {
  ArchiveSourceMissingError,
  type CopyProgress,
  compressionOfArchive,
  copyFolderToTape,
  TapeFullError,
} from "./engine/index.ts";
import { moveIncompleteCopyAside } from "./incomplete-copies.ts";
import { type ArchiveTarget, archiveArgumentsOf } from "./job-arguments.ts";
import { LTFS_SERVICE_ERROR_CODES as CODES, ltfsServiceError } from "./ltfs-service-errors.ts";
import type { DriveSession } from "./mount-tape.ts";
import { stagePackedSource } from "./packed-source.ts";
import { driveSessionOf, type LtfsStepDependencies, recordTapeSpace } from "./step-dependencies.ts";

export const WRITE_STEP = "write";

/** Room kept free beyond the folder's size: LTFS's index and file overhead. */
const MARGIN_FRACTION = 0.01;
const MARGIN_BYTES = 64 * 1024 * 1024;
/** At most one progress report (and JetStream keep-alive) this often. */
const PROGRESS_EVERY_MS = 1_000;

/** What is at the name on tape before the copy. */
type Existing =
  | { readonly kind: "absent" }
  | { readonly kind: "complete"; readonly manifest: Manifest }
  | { readonly kind: "incomplete" }
  | { readonly kind: "taken"; readonly by: string };

/**
 * The `write` step of an archive job: copies the folder (or its packed archive) onto the mounted
 * tape under its name, with a manifest beside it, written last. A complete copy of this folder
 * already there (an earlier run) is done; an incomplete one (no manifest) is moved aside into
 * `.pytarchive-incomplete/` and written again; another folder's copy refuses the name.
 * A complete copy is kept only when the folder is archived there already, or when its manifest
 * still matches the original as it is now (paths, sizes, times): a copy left by a failed job
 * may predate a change of the original, and is moved aside (with its manifest) and written again.
 */
export function writeStep(deps: LtfsStepDependencies): StepDefinition {
  return {
    async run(run) {
      const { job, item } = run;
      const target = archiveArgumentsOf(job);
      const session = driveSessionOf(deps, run, target.tape);
      const folder = await folderToWrite(deps, target);
      if (folder.state !== "archived") {
        await deps.catalog.call("folder-archiving", {
          jobId: job.id,
          attempt: item.attempt,
          path: folder.path,
          tape: target.tape,
          targetName: target.targetName,
        });
      }
      const mount = await session.drive.currentMount();
      if (mount === null || mount.readOnly) throw notWritable(session, mount !== null);

      const destination = path.join(session.drive.mountPoint, target.targetName);
      const existing = await examineDestination(destination, folder.path);
      if (existing.kind === "taken") throw nameTaken(target, existing.by);
      // Its archived copy is never replaced (nor looked at: the original may be gone since).
      if (existing.kind === "complete" && folder.state === "archived") {
        return keptComplete(session, folder, target, destination);
      }

      const source = await sourceOf(folder);
      const stale =
        existing.kind === "complete"
          ? await differenceFromOriginal(
              existing.manifest,
              folder,
              folder.compressed ? [] : deps.config.general.excludeFolders,
            )
          : null;
      if (existing.kind === "complete" && stale === null) {
        return keptComplete(session, folder, target, destination);
      }
      await checkRoom(session, folder, target);
      if (stale !== null) {
        const aside = await moveIncompleteCopyAside({
          mountPoint: session.drive.mountPoint,
          name: target.targetName,
          jobId: job.id,
          attempt: item.attempt,
        });
        // Left behind, the manifest would make the new copy look complete before it is.
        await rename(manifestPathFor(destination), manifestPathFor(aside));
        const text = `an older copy of ${target.targetName} was on the tape, but the original changed since (${stale}): moved it to ${path.relative(session.drive.mountPoint, aside)} and writing again`;
        session.log.warn(text, { aside });
        run.progress({ text });
      }
      if (existing.kind === "incomplete") {
        const aside = await moveIncompleteCopyAside({
          mountPoint: session.drive.mountPoint,
          name: target.targetName,
          jobId: job.id,
          attempt: item.attempt,
        });
        const text = `an interrupted copy of ${target.targetName} was on the tape: moved it to ${path.relative(session.drive.mountPoint, aside)} and writing again`;
        session.log.warn(text, { aside });
        run.progress({ text });
      }
      return await copy(deps, run, session, { folder, target, source, destination });
    },
  };
}

function keptComplete(
  session: DriveSession,
  folder: CatalogFolder,
  target: ArchiveTarget,
  destination: string,
): { summary: string } {
  session.log.info("the folder is already on the tape with its manifest; not written again", {
    destination,
  });
  return {
    summary: `${folder.path} was already on tape ${target.tape} as ${target.targetName} (written by an earlier run); nothing was written again`,
  };
}

async function folderToWrite(
  deps: LtfsStepDependencies,
  target: ArchiveTarget,
): Promise<CatalogFolder> {
  const { folder } = await deps.catalog.call("folder-get", { path: target.folder });
  if (folder === null) {
    throw ltfsServiceError(
      CODES.folderNotReady,
      `${target.folder} is not in the catalog, so it cannot be archived; nothing was written.`,
      "Prepare it first: `pytarchive prepare FOLDER DESCRIPTION`.",
    );
  }
  const ours =
    folder.state === "archived" &&
    folder.tapeBarcode === target.tape &&
    folder.targetName === target.targetName;
  if (!["prepared", "archiving", "failed"].includes(folder.state) && !ours) {
    throw ltfsServiceError(
      CODES.folderNotReady,
      `${target.folder} is ${folder.state}${folder.tapeBarcode ? ` (on tape ${folder.tapeBarcode})` : ""}, not prepared, so it was not written to tape ${target.tape}.`,
      folder.state === "archived"
        ? "It is archived already; `pytarchive summary` shows where."
        : "Wait until it is prepared (`pytarchive queue`), then requeue the archive job.",
    );
  }
  if (folder.compressed && folder.archivePath === null) {
    throw ltfsServiceError(
      CODES.folderNotReady,
      `${target.folder} is recorded as packed, but the catalog has no archive for it; nothing was written.`,
      "Prepare it again (`pytarchive prepare --compress`), then archive it.",
    );
  }
  return folder;
}

/** Whether the name on tape is free, holds this folder's complete copy, an incomplete one, or another's. */
async function examineDestination(destination: string, folderPath: string): Promise<Existing> {
  if (!(await exists(destination))) return { kind: "absent" };
  const manifestPath = manifestPathFor(destination);
  if (!(await exists(manifestPath))) return { kind: "incomplete" };
  try {
    const manifest = await readManifest(manifestPath);
    return manifest.folder.originalPath === folderPath
      ? { kind: "complete", manifest }
      : { kind: "taken", by: manifest.folder.originalPath };
  } catch {
    return { kind: "taken", by: "something with an unreadable manifest" };
  }
}

/** The folder, or the packed archive; throws when it is gone. */
async function sourceOf(folder: CatalogFolder): Promise<string> {
  const source = folder.compressed ? (folder.archivePath as string) : folder.path;
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(source);
  } catch {
    if (folder.compressed) {
      throw ltfsServiceError(
        CODES.packMissing,
        `The packed archive ${source} of ${folder.path} is gone from scratch_path, so nothing was written.`,
        "Prepare the folder again (`pytarchive prepare --compress`), then archive it.",
      );
    }
    throw new ArchiveSourceMissingError(source, "it does not exist (any more)");
  }
  if (folder.compressed && !stats.isFile()) {
    throw ltfsServiceError(
      CODES.packMissing,
      `The packed archive ${source} of ${folder.path} is not a file, so nothing was written.`,
      "Prepare the folder again (`pytarchive prepare --compress`), then archive it.",
    );
  }
  if (!folder.compressed && !stats.isDirectory()) {
    throw new ArchiveSourceMissingError(source, "it is not a folder (or it is a symbolic link)");
  }
  return source;
}

/**
 * TAPE_TOO_FULL unless the tape has the folder's apparent size plus a margin free: LTFS stores
 * sparse files in full, so `du`'s allocated KiB would let a folder start that cannot end.
 */
async function checkRoom(
  session: DriveSession,
  folder: CatalogFolder,
  target: ArchiveTarget,
): Promise<void> {
  const { freeBytes } = await session.drive.freeSpace();
  const sizeBytes = Math.max(folder.apparentBytes ?? 0, (folder.sizeKiB ?? 0) * 1024);
  const needed = sizeBytes + Math.ceil(sizeBytes * MARGIN_FRACTION) + MARGIN_BYTES;
  if (freeBytes > needed) return;
  throw ltfsServiceError(
    CODES.tapeTooFull,
    `Tape ${target.tape} has ${describeBytes(freeBytes)} free, but ${folder.path} needs ${describeBytes(sizeBytes)} plus ${describeBytes(needed - sizeBytes)} of room for LTFS; nothing was written.`,
    "Archive it onto another tape (`pytarchive summary` suggests the fullest one where it fits).",
  );
}

async function copy(
  deps: LtfsStepDependencies,
  run: StepRun,
  session: DriveSession,
  request: {
    folder: CatalogFolder;
    target: ArchiveTarget;
    source: string;
    destination: string;
  },
): Promise<{ summary: string }> {
  const { folder, target, destination } = request;
  const staged = folder.compressed
    ? await stagePackedSource({
        archivePath: request.source,
        scratchPath: deps.config.general.scratchPath,
        jobId: run.job.id,
      })
    : null;
  const report = throttled(PROGRESS_EVERY_MS, (progress: CopyProgress) =>
    run.progress(describeCopy(progress, target)),
  );
  let phase: CopyProgress["phase"] | null = null;
  try {
    session.log.info("writing the folder to tape", {
      folder: folder.path,
      source: request.source,
      destination,
      compressed: folder.compressed,
    });
    const result = await copyFolderToTape({
      source: staged?.folder ?? request.source,
      destination,
      exclude: staged ? [] : deps.config.general.excludeFolders,
      description: folder.description,
      originalPath: folder.path,
      compression: staged ? compressionOfArchive(request.source) : null,
      measured: {
        sizeKiB: folder.sizeKiB,
        fileCount: folder.fileCount,
        measuredAt: folder.measuredAt ?? null,
      },
      signal: run.signal,
      onProgress: (progress) => {
        report(progress, progress.phase !== phase);
        phase = progress.phase;
      },
    });
    if (result.changedWhileCopying.length > 0) {
      session.log.warn("files changed while they were written; the tape has what was read", {
        count: result.changedWhileCopying.length,
        paths: result.changedWhileCopying.slice(0, 20),
      });
    }
    if (result.skipped.length > 0) {
      session.log.warn("special files were not written", {
        count: result.skipped.length,
        skipped: result.skipped.slice(0, 20),
      });
    }
    await recordTapeSpace(deps, session, run.job).catch((error: unknown) =>
      session.log.warn("could not record the tape's space", { error }),
    );
    const notes = [
      result.changedWhileCopying.length > 0
        ? `${describeCount(result.changedWhileCopying.length)} changed while being read`
        : null,
      result.skipped.length > 0
        ? `${describeCount(result.skipped.length)} special files skipped`
        : null,
    ].filter((note) => note !== null);
    return {
      summary: `wrote ${folder.path} to tape ${target.tape} as ${target.targetName}: ${describeCount(result.files.length)} files, ${describeRate(result.bytes, result.durationMs)}${notes.length > 0 ? ` (${notes.join(", ")})` : ""}`,
    };
  } catch (error) {
    if (error instanceof TapeFullError) await markFull(deps, run, session, error);
    // What an incomplete copy wrote stays on tape (LTFS never frees it): record it while mounted.
    await recordTapeSpace(deps, session, run.job).catch((recordError: unknown) =>
      session.log.warn("could not record the tape's space", { error: recordError }),
    );
    throw error;
  } finally {
    await staged?.dispose();
  }
}

function describeCopy(progress: CopyProgress, target: ArchiveTarget) {
  if (progress.phase === "scanning") {
    return { text: `writing ${target.targetName} to tape ${target.tape}: listing the folder` };
  }
  const { percent, text, counts } = describeTransfer(progress);
  if (progress.phase === "finishing") {
    return {
      percent,
      counts,
      text: `writing ${target.targetName} to tape ${target.tape}: ${text}; writing the manifest`,
    };
  }
  return { percent, counts, text: `writing ${target.targetName} to tape ${target.tape}: ${text}` };
}

async function markFull(
  deps: LtfsStepDependencies,
  run: StepRun,
  session: DriveSession,
  error: TapeFullError,
): Promise<void> {
  session.log.warn("the tape is full", { partial: error.partial });
  try {
    await deps.catalog.call("tape-update", {
      barcode: session.barcode,
      jobId: run.job.id,
      state: "full",
    });
  } catch (recordError) {
    session.log.warn("could not record the tape as full", { error: recordError });
  }
}

function notWritable(session: DriveSession, mountedReadOnly: boolean): PytarchiveError {
  const { barcode, driveConfig } = session;
  return mountedReadOnly
    ? ltfsServiceError(
        CODES.tapeReadOnly,
        `Tape ${barcode} is mounted read-only in drive ${driveConfig.element}, so nothing was written.`,
        "Requeue the job: its mount step mounts the tape read-write.",
      )
    : ltfsServiceError(
        CODES.tapeNotMounted,
        `No tape is mounted in drive ${driveConfig.element} (${session.drive.mountPoint}), so nothing was written to tape ${barcode}.`,
        "Requeue the job: its mount step mounts the tape first.",
      );
}

function nameTaken(target: ArchiveTarget, by: string): PytarchiveError {
  return ltfsServiceError(
    CODES.nameTaken,
    `Tape ${target.tape} already has ${target.targetName} with its manifest, a copy of ${by}; nothing was written.`,
    "Archive under another name (-t NAME) or onto another tape. A name stays taken on an LTFS tape, which never frees space.",
  );
}

async function exists(target: string): Promise<boolean> {
  try {
    await lstat(target);
    return true;
  } catch {
    return false;
  }
}
