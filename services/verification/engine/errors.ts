import { PytarchiveError } from "../../../shared/errors/index.ts";

/** Stable codes of the verification engine; scripts and tests match on them. */
export const VERIFY_ERROR_CODES = {
  folderMissing: "VERIFY_FOLDER_MISSING",
  aborted: "VERIFY_ABORTED",
} as const;

/** The archived folder is not on the mounted tape at all: probably the wrong tape. */
export class VerifyFolderMissingError extends PytarchiveError {
  readonly folderOnTape: string;

  constructor(folderOnTape: string, cause?: unknown) {
    super(
      VERIFY_ERROR_CODES.folderMissing,
      `${folderOnTape} is not a folder on the mounted tape, so nothing could be verified.`,
      {
        hint: "Check that the right tape is mounted (`pytarchive summary` shows which tape holds the folder) and that the folder name matches the catalog.",
        cause,
      },
    );
    this.name = "VerifyFolderMissingError";
    this.folderOnTape = folderOnTape;
  }
}

/** The verification was stopped through its abort signal; nothing was concluded. */
export class VerifyAbortedError extends PytarchiveError {
  readonly folderOnTape: string;
  readonly filesChecked: number;

  constructor(folderOnTape: string, filesChecked: number) {
    super(
      VERIFY_ERROR_CODES.aborted,
      `Verification of ${folderOnTape} was aborted after ${filesChecked} files; nothing is concluded about the folder.`,
      { hint: "Run the verification again to the end." },
    );
    this.name = "VerifyAbortedError";
    this.folderOnTape = folderOnTape;
    this.filesChecked = filesChecked;
  }
}
