import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  type CatalogJob,
  defineMessage,
  JOB_ARGUMENT_SCHEMAS,
  type JobArguments,
  type JobKind,
} from "../../shared/messages/index.ts";
import { VERIFICATION_ERROR_CODES as CODES } from "./verification-errors.ts";

/**
 * The arguments of `job` when it is a job of `kind` with arguments of that kind's shape; else
 * INVALID_JOB_ARGUMENTS (a step was handed another kind's job: services of different versions).
 *
 * @example
 * const { tape } = jobArgumentsOrThrow(job, "import-tape");
 */
export function jobArgumentsOrThrow<K extends JobKind>(job: CatalogJob, kind: K): JobArguments<K> {
  const definition = defineMessage(`${kind} job arguments`, JOB_ARGUMENT_SCHEMAS[kind]);
  if (job.kind === kind && definition.is(job.args)) return job.args as JobArguments<K>;
  throw new PytarchiveError(
    CODES.invalidJobArguments,
    `Job ${job.id} is a ${job.kind} job with arguments ${JSON.stringify(job.args)}, not ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} job's.`,
    { hint: "Check that every pytarchive service runs the same version." },
  );
}
