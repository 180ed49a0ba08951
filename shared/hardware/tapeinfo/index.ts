export {
  TAPEINFO_ERROR_CODES,
  TapeDeviceBusyError,
  TapeDeviceOpenError,
  TapeinfoError,
  type TapeinfoErrorCode,
  TapeinfoFailedError,
  TapeinfoUnparseableError,
} from "./errors.ts";
export { parseTapeinfo, type TapeinfoReport } from "./parse-tapeinfo.ts";
export { type ReadTapeinfoOptions, readTapeinfo } from "./read-tapeinfo.ts";
