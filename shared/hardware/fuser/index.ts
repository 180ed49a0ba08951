export {
  FUSER_ERROR_CODES,
  FuserError,
  type FuserErrorCode,
  FuserFailedError,
  FuserKillFailedError,
  FuserOutputUnparseableError,
} from "./errors.ts";
export { type FuserRequest, killUsersOf, listUsersOf } from "./fuser.ts";
export { type FuserEntry, parseFuserVerbose, parseFuserVerboseStreams } from "./parse-fuser.ts";
