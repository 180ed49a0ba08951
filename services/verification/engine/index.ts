export {
  VERIFY_ERROR_CODES,
  VerifyAbortedError,
  VerifyFolderMissingError,
} from "./errors.ts";
export {
  type FileDigest,
  type HashFilesOptions,
  type HashTarget,
  hashFilesInOrder,
} from "./hash-files.ts";
export { readPlacement, readStartBlocks, type TapePlacement } from "./read-start-blocks.ts";
export { readTapeFolder, type TapeFile } from "./read-tape-folder.ts";
export { listTapeTree, type TapeEntryKind } from "./tape-tree.ts";
export {
  type ExpectedEntry,
  VERIFY_PROBLEMS,
  type VerifyMismatch,
  type VerifyProblem,
  type VerifyProgress,
  type VerifyReport,
  type VerifyRequest,
  verifyFolderOnTape,
} from "./verify-folder-on-tape.ts";
