export {
  EXPORTFS_ERROR_CODES,
  ExportfsError,
  type ExportfsErrorCode,
  ExportfsFailedError,
  ExportfsOutputUnparseableError,
  ExportRequiresFsidError,
} from "./errors.ts";
export {
  type ExportfsCommand,
  type ExportRequest,
  type ExportResult,
  type ExportTarget,
  exportFolder,
  exportTarget,
  listExports,
  unexportFolder,
} from "./exportfs.ts";
export { type ExportEntry, parseExportfsVerbose } from "./parse-exportfs.ts";
