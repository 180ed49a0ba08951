import { PytarchiveError } from "../../../shared/errors/index.ts";
import { reasonOf } from "../../../shared/format/index.ts";
import { MANIFEST_ERROR_CODES } from "../../../shared/manifest/index.ts";
import { ARCHIVE_SOURCE_CODES } from "../../../shared/messages/index.ts";

// The manifest's errors live with its format in shared/manifest; re-exported for the engine.
export { ManifestInvalidError, ManifestUnreadableError } from "../../../shared/manifest/index.ts";

/** Stable codes of the copy, manifest and restore engines; scripts and tests match on them. */
export const ENGINE_ERROR_CODES = {
  sourceMissing: ARCHIVE_SOURCE_CODES.originalMissing,
  sourceUnreadable: "ARCHIVE_SOURCE_UNREADABLE",
  destinationExists: "ARCHIVE_NAME_TAKEN",
  tapeFull: "ARCHIVE_TAPE_FULL",
  tapeWriteFailed: "ARCHIVE_TAPE_WRITE_FAILED",
  archiveAborted: "ARCHIVE_ABORTED",
  invalidExclude: "ARCHIVE_INVALID_EXCLUDE",
  manifestInvalid: MANIFEST_ERROR_CODES.manifestInvalid,
  manifestUnreadable: MANIFEST_ERROR_CODES.manifestUnreadable,
  restoreTargetNotEmpty: "TARGET_NOT_EMPTY",
  restoreTargetInvalid: "RESTORE_TARGET_INVALID",
  restoreSubfolderInvalid: "RESTORE_SUBFOLDER_INVALID",
  restoreSubfolderNotFound: "RESTORE_SUBFOLDER_NOT_FOUND",
  restoreEntryInvalid: "RESTORE_ENTRY_INVALID",
  restoreReadFailed: "RESTORE_READ_FAILED",
  restoreWriteFailed: "RESTORE_WRITE_FAILED",
  restoreChecksumMismatch: "RESTORE_CHECKSUM_MISMATCH",
  restoreAborted: "RESTORE_ABORTED",
  unpackFailed: "RESTORE_UNPACK_FAILED",
} as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[keyof typeof ENGINE_ERROR_CODES];

function errnoCode(cause: unknown): string | null {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : null;
}

/** The folder to archive is not there, or is not a folder. */
export class ArchiveSourceMissingError extends PytarchiveError {
  readonly source: string;

  constructor(source: string, problem: string, cause?: unknown) {
    super(ENGINE_ERROR_CODES.sourceMissing, `Cannot archive ${source}: ${problem}.`, {
      hint: "Give the absolute path of an existing folder (symbolic links are not followed).",
      cause,
    });
    this.name = "ArchiveSourceMissingError";
    this.source = source;
  }
}

/** A file or folder inside the source could not be read; nothing of it was changed. */
export class ArchiveSourceUnreadableError extends PytarchiveError {
  readonly path: string;
  readonly errno: string | null;

  constructor(path: string, cause: unknown) {
    super(
      ENGINE_ERROR_CODES.sourceUnreadable,
      `Could not read ${path} from the folder being archived: ${reasonOf(cause)}.`,
      {
        hint: "Check that the file is readable by the pytarchive service (permissions, a hung network mount) and requeue the job. The copy on the tape is incomplete and has no manifest.",
        cause,
      },
    );
    this.name = "ArchiveSourceUnreadableError";
    this.path = path;
    this.errno = errnoCode(cause);
  }
}

/** `exclude_folders` holds an entry that cannot name a folder inside the archived folder. */
export class InvalidExcludeError extends PytarchiveError {
  readonly entry: string;

  constructor(entry: string, problem: string) {
    super(
      ENGINE_ERROR_CODES.invalidExclude,
      `Excluded folder ${JSON.stringify(entry)} ${problem}.`,
      {
        hint: "List folders relative to the archived folder in [General] exclude_folders, e.g. .cache, .local/share/Trash",
      },
    );
    this.name = "InvalidExcludeError";
    this.entry = entry;
  }
}

/** The name is already used on the tape (a folder or a manifest), so nothing was written. */
export class ArchiveNameTakenError extends PytarchiveError {
  readonly destination: string;

  constructor(destination: string, existing: string) {
    super(
      ENGINE_ERROR_CODES.destinationExists,
      `${existing} already exists on the tape, so the folder was not copied to ${destination}.`,
      {
        hint: "Archive under another name (-t NAME) or onto another tape. A name stays taken on an LTFS tape even after its folder is deleted from the tape, because LTFS never frees space.",
      },
    );
    this.name = "ArchiveNameTakenError";
    this.destination = destination;
  }
}

/** What a copy to tape had written when it stopped. */
export interface PartialCopy {
  /** The incomplete folder on tape; it has no manifest, which marks it as incomplete. */
  readonly destination: string;
  readonly filesWritten: number;
  readonly bytesWritten: number;
  readonly filesTotal: number;
  readonly bytesTotal: number;
}

/** The tape filled up (ENOSPC) during the copy; the partial folder stays, without a manifest. */
export class TapeFullError extends PytarchiveError {
  readonly partial: PartialCopy;
  readonly path: string;

  constructor(path: string, partial: PartialCopy, cause: unknown) {
    super(
      ENGINE_ERROR_CODES.tapeFull,
      `The tape is full: writing ${path} failed after ${partial.filesWritten} of ${partial.filesTotal} files (${partial.bytesWritten} of ${partial.bytesTotal} bytes). ${partial.destination} on the tape is incomplete and has no manifest.`,
      {
        hint: "Archive the folder onto a tape with more free space (`pytarchive summary` suggests one). The incomplete copy keeps its space on this tape; LTFS cannot free it.",
        cause,
      },
    );
    this.name = "TapeFullError";
    this.partial = partial;
    this.path = path;
  }
}

/** Writing to the tape failed for another reason than a full tape (EIO, EROFS…). */
export class TapeWriteFailedError extends PytarchiveError {
  readonly partial: PartialCopy;
  readonly path: string;
  readonly errno: string | null;

  constructor(path: string, partial: PartialCopy, cause: unknown) {
    super(
      ENGINE_ERROR_CODES.tapeWriteFailed,
      `Writing ${path} to the tape failed: ${reasonOf(cause)}. ${partial.destination} on the tape is incomplete and has no manifest.`,
      {
        hint: "Check the drive and the LTFS log (a read-only or damaged tape, a drive error). Unmount the tape before the next job; archive the folder again, onto another tape if the error repeats.",
        cause,
      },
    );
    this.name = "TapeWriteFailedError";
    this.partial = partial;
    this.path = path;
    this.errno = errnoCode(cause);
  }
}

/** The copy was stopped through its abort signal. */
export class ArchiveAbortedError extends PytarchiveError {
  readonly partial: PartialCopy;

  constructor(partial: PartialCopy) {
    super(
      ENGINE_ERROR_CODES.archiveAborted,
      `The copy to ${partial.destination} was aborted after ${partial.filesWritten} of ${partial.filesTotal} files; whatever of it is on the tape is incomplete and has no manifest.`,
      { hint: "Archive the folder again, under another name or onto another tape." },
    );
    this.name = "ArchiveAbortedError";
    this.partial = partial;
  }
}

/** A restore target that already holds something. */
export class RestoreTargetNotEmptyError extends PytarchiveError {
  readonly target: string;

  constructor(target: string) {
    super(
      ENGINE_ERROR_CODES.restoreTargetNotEmpty,
      `The restore target ${target} is not empty; nothing was restored.`,
      { hint: "Restore into an empty folder or a path that does not exist yet." },
    );
    this.name = "RestoreTargetNotEmptyError";
    this.target = target;
  }
}

/** A restore target that cannot be a folder to restore into (relative, a file…). */
export class RestoreTargetInvalidError extends PytarchiveError {
  readonly target: string;

  constructor(target: string, problem: string, cause?: unknown) {
    super(ENGINE_ERROR_CODES.restoreTargetInvalid, `Cannot restore into ${target}: ${problem}.`, {
      hint: "Give the absolute path of an empty folder, or of one that does not exist yet.",
      cause,
    });
    this.name = "RestoreTargetInvalidError";
    this.target = target;
  }
}

/** `--subfolder` is not a plain relative path inside the archived folder. */
export class RestoreSubfolderInvalidError extends PytarchiveError {
  readonly subfolder: string;

  constructor(subfolder: string, problem: string) {
    super(
      ENGINE_ERROR_CODES.restoreSubfolderInvalid,
      `Subfolder ${JSON.stringify(subfolder)} ${problem}.`,
      {
        hint: 'Give the subfolder relative to the archived folder, without "..", e.g. -s "data/run 3".',
      },
    );
    this.name = "RestoreSubfolderInvalidError";
    this.subfolder = subfolder;
  }
}

/** `--subfolder` names nothing that was archived. */
export class RestoreSubfolderNotFoundError extends PytarchiveError {
  readonly subfolder: string;

  constructor(subfolder: string) {
    super(
      ENGINE_ERROR_CODES.restoreSubfolderNotFound,
      `Nothing named ${JSON.stringify(subfolder)} was archived in this folder; nothing was restored.`,
      { hint: "Check the spelling (names are case-sensitive) against the folder's manifest." },
    );
    this.name = "RestoreSubfolderNotFoundError";
    this.subfolder = subfolder;
  }
}

/** An entry handed to restore cannot be restored safely (no checksum, a path leaving the folder). */
export class RestoreEntryInvalidError extends PytarchiveError {
  readonly path: string;

  constructor(path: string, problem: string) {
    super(
      ENGINE_ERROR_CODES.restoreEntryInvalid,
      `Cannot restore ${JSON.stringify(path)}: ${problem}.`,
      {
        hint: "The catalog entry is incomplete or damaged; verify the folder on its tape (`pytarchive verify`) and rebuild its entry from the manifest.",
      },
    );
    this.name = "RestoreEntryInvalidError";
    this.path = path;
  }
}

/** What a restore had done when it stopped. */
export interface PartialRestore {
  readonly target: string;
  readonly filesRestored: number;
  readonly filesTotal: number;
}

/** Reading a file from the tape failed during a restore. */
export class RestoreReadFailedError extends PytarchiveError {
  readonly path: string;
  readonly partial: PartialRestore;

  constructor(path: string, partial: PartialRestore, cause: unknown) {
    super(
      ENGINE_ERROR_CODES.restoreReadFailed,
      `Reading ${path} from the tape failed: ${reasonOf(cause)}. ${partial.filesRestored} of ${partial.filesTotal} files were restored to ${partial.target}, which is incomplete.`,
      {
        hint: "Check the drive and the LTFS log. Empty the target, then restore again; if the error repeats, the tape may be damaged: restore from another copy.",
        cause,
      },
    );
    this.name = "RestoreReadFailedError";
    this.path = path;
    this.partial = partial;
  }
}

/** Writing into the restore target failed (full disk, permissions). */
export class RestoreWriteFailedError extends PytarchiveError {
  readonly path: string;
  readonly partial: PartialRestore;

  constructor(path: string, partial: PartialRestore, cause: unknown) {
    super(
      ENGINE_ERROR_CODES.restoreWriteFailed,
      `Writing ${path} failed: ${reasonOf(cause)}. ${partial.filesRestored} of ${partial.filesTotal} files were restored to ${partial.target}, which is incomplete.`,
      {
        hint: "Free space on the target disk or fix its permissions, empty the target, then restore again.",
        cause,
      },
    );
    this.name = "RestoreWriteFailedError";
    this.path = path;
    this.partial = partial;
  }
}

/** A restored file whose content differs from what was archived. */
export interface ChecksumMismatch {
  /** Path below the archived folder. */
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
  /** Where the bad copy was kept, renamed so that it cannot pass for the original; null when missing. */
  readonly keptAs: string | null;
}

/** One or more restored files did not match their archived checksum. */
export class RestoreChecksumMismatchError extends PytarchiveError {
  readonly mismatches: readonly ChecksumMismatch[];
  readonly target: string;

  constructor(target: string, mismatches: readonly ChecksumMismatch[]) {
    const first = mismatches[0];
    const more = mismatches.length > 1 ? ` and ${mismatches.length - 1} more file(s)` : "";
    super(
      ENGINE_ERROR_CODES.restoreChecksumMismatch,
      `The restore into ${target} is not complete: ${first?.path ?? "a file"}${more} read back from the tape with a different checksum than when it was archived (expected sha256 ${first?.expected ?? "?"}, got ${first?.actual ?? "?"}).`,
      {
        hint: `The bad copies were kept with the suffix ${MISMATCH_SUFFIX}. Run \`pytarchive verify\` on the folder; if the tape is damaged, restore these files from another copy.`,
      },
    );
    this.name = "RestoreChecksumMismatchError";
    this.mismatches = mismatches;
    this.target = target;
  }
}

/** Added to a restored file whose checksum did not match. */
export const MISMATCH_SUFFIX = ".pytarchive-checksum-mismatch";

/** The restore was stopped through its abort signal. */
export class RestoreAbortedError extends PytarchiveError {
  readonly partial: PartialRestore;

  constructor(partial: PartialRestore) {
    super(
      ENGINE_ERROR_CODES.restoreAborted,
      `The restore into ${partial.target} was aborted after ${partial.filesRestored} of ${partial.filesTotal} files; the target is incomplete.`,
      { hint: "Empty the target, then restore again." },
    );
    this.name = "RestoreAbortedError";
    this.partial = partial;
  }
}

/** tar could not unpack a compressed folder. */
export class UnpackFailedError extends PytarchiveError {
  readonly archive: string;

  constructor(archive: string, target: string, detail: string, cause?: unknown) {
    super(
      ENGINE_ERROR_CODES.unpackFailed,
      `Unpacking ${archive} into ${target} failed: ${detail}.`,
      {
        hint: "Check free space on the target disk and that tar, zstd and gzip are installed; empty the target and restore again.",
        cause,
      },
    );
    this.name = "UnpackFailedError";
    this.archive = archive;
  }
}

/** The errno code of a Node file system error, or null. */
export function errnoOf(error: unknown): string | null {
  return errnoCode(error);
}
