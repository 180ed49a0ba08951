import { PytarchiveError } from "../errors/index.ts";
import { reasonOf } from "../format/index.ts";

/** Stable codes of manifest errors; scripts and tests match on them. */
export const MANIFEST_ERROR_CODES = {
  manifestInvalid: "MANIFEST_INVALID",
  manifestUnreadable: "MANIFEST_UNREADABLE",
} as const;

/** A manifest file exists but does not hold what a pytarchive manifest holds. */
export class ManifestInvalidError extends PytarchiveError {
  readonly path: string;

  constructor(path: string, problem: string) {
    super(MANIFEST_ERROR_CODES.manifestInvalid, `${path} is not a valid manifest: ${problem}.`, {
      hint: "The manifest may be damaged or written by another tool. The files on the tape can still be read with any LTFS host; rebuild the catalog entry from the catalog or by hand.",
    });
    this.name = "ManifestInvalidError";
    this.path = path;
  }
}

/** The manifest file could not be read at all. */
export class ManifestUnreadableError extends PytarchiveError {
  readonly path: string;

  constructor(path: string, cause: unknown) {
    super(MANIFEST_ERROR_CODES.manifestUnreadable, `Cannot read ${path}: ${reasonOf(cause)}.`, {
      hint: "Check that the tape is mounted and that the folder was archived completely: a folder without its manifest was not finished.",
      cause,
    });
    this.name = "ManifestUnreadableError";
    this.path = path;
  }
}
