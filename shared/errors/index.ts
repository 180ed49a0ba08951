export {
  ERROR_AREAS,
  ERROR_CATALOGUE,
  type ErrorArea,
  type ErrorCode,
  type ErrorSpec,
  type HttpStatus,
  RETIRED_CODES,
  type RetiredCode,
} from "./catalogue.ts";
export { renderErrorsDoc } from "./errors-doc.ts";
export { errorSpec, httpStatusOf, isErrorCode, isTransientError } from "./lookup.ts";
export { PytarchiveError } from "./pytarchive-error.ts";
