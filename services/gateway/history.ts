import type { CatalogJob } from "../../shared/messages/index.ts";
import {
  type CommandReply,
  type CommandRequest,
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  type HistoryJob,
} from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { describeJob } from "./describe-job.ts";
import { GATEWAY_ERROR_CODES as CODES, gatewayError } from "./gateway-errors.ts";

/**
 * `pytarchive history`: finished jobs, the newest first, with their outcome, times and what
 * they moved. `since` is checked here (a date the user typed), the rest by the schema.
 *
 * @example
 * await listHistory(catalog, { failed: true, since: "2026-12-01" }); // { jobs: [...] }
 */
export async function listHistory(
  catalog: CatalogClient,
  request: CommandRequest<"history">,
): Promise<CommandReply<"history">> {
  const limit = limitOrThrow(request.limit);
  const since = request.since === undefined ? undefined : sinceOrThrow(request.since);
  const { jobs } = await catalog.call("jobs-history", {
    limit,
    ...(request.failed === true ? { failedOnly: true } : {}),
    ...(since === undefined ? {} : { since }),
  });
  return { jobs: jobs.map(toHistoryJob) };
}

function limitOrThrow(limit: number | undefined): number {
  if (limit === undefined) return HISTORY_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX_LIMIT) {
    throw gatewayError(
      CODES.invalidArgument,
      `The limit ${limit} is out of range: history lists 1 to ${HISTORY_MAX_LIMIT} jobs.`,
      `Give --limit N with N from 1 to ${HISTORY_MAX_LIMIT}, or --since DATE to go back further.`,
    );
  }
  return limit;
}

/** A date as typed (`2026-12-01`, `2026-12-01T08:00`, with or without a zone) as ISO text. */
function sinceOrThrow(text: string): string {
  const trimmed = text.trim();
  const time = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)
    ? // A date alone starts at local midnight, as a time without a zone is local.
      Date.parse(trimmed.length === 10 ? `${trimmed}T00:00` : trimmed.replace(" ", "T"))
    : Number.NaN;
  if (Number.isNaN(time)) {
    throw gatewayError(
      CODES.invalidArgument,
      `${JSON.stringify(text.slice(0, 100))} is not a date: --since takes a date such as 2026-12-01 or 2026-12-01T08:00.`,
      "Give the date as YEAR-MONTH-DAY, optionally with a time (local time unless a zone is given).",
    );
  }
  return new Date(time).toISOString();
}

/** A finished catalog job as one entry of `pytarchive history`. */
export function toHistoryJob(job: CatalogJob): HistoryJob {
  return {
    id: job.id,
    kind: job.kind,
    outcome: job.state,
    description: describeJob(job.kind, job.args),
    error: job.error,
    summary: job.progress,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt ?? job.createdAt,
    bytes: job.bytesMoved ?? null,
    files: job.filesMoved ?? null,
    attempts: job.attempts,
    args: job.args,
  };
}
