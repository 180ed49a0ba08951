export { PytarchiveError } from "./pytarchive-error.ts";
