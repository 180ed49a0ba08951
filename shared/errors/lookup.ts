import { ERROR_CATALOGUE, type ErrorCode, type ErrorSpec, type HttpStatus } from "./catalogue.ts";

/** Whether `code` is one of pytarchive's error codes (e.g. one read from a reply or the catalog). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CATALOGUE, code);
}

/** What `code` means, whether it is transient, its HTTP status and its default hint. */
export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CATALOGUE[code];
}

/**
 * Whether trying again later may cure `error`: a PytarchiveError (or anything with a `code`) whose
 * code the catalogue marks transient — an unreachable service, changer, catalog or NATS, a timeout,
 * a busy device. Anything else is final.
 *
 * @example
 * isTransientError(new PytarchiveError("SERVICE_TIMEOUT", "No answer.")); // true
 */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("code" in error)) return false;
  const { code } = error;
  return isErrorCode(code) && ERROR_CATALOGUE[code].transient;
}

/** The gateway HTTP API's status for an error with `code`. */
export function httpStatusOf(code: ErrorCode): HttpStatus {
  return ERROR_CATALOGUE[code].httpStatus;
}
