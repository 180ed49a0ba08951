import { type ErrorCode, PytarchiveError } from "../../shared/errors/index.ts";

/**
 * Codes the gateway refuses a command with (the contract: shared/messages/commands.ts); the
 * catalog's own codes (UNKNOWN_TAPE, TAPE_TOO_FULL, UNKNOWN_JOB, ...) pass through unchanged.
 * Stable; never reused.
 */
export const GATEWAY_ERROR_CODES = {
  invalidArgument: "INVALID_ARGUMENT",
  pathNotAbsolute: "PATH_NOT_ABSOLUTE",
  folderNotFound: "FOLDER_NOT_FOUND",
  notAFolder: "NOT_A_FOLDER",
  targetNotEmpty: "TARGET_NOT_EMPTY",
  invalidName: "INVALID_NAME",
  /** A path could not be checked in time (a hung network mount) or at all (permissions). */
  pathUnreachable: "PATH_UNREACHABLE",
} as const;

export function gatewayError(code: ErrorCode, message: string, hint: string): PytarchiveError {
  return new PytarchiveError(code, message, { hint });
}
