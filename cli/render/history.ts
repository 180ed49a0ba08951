import { describeBytes, describeDuration } from "../../shared/format/index.ts";
import type { CommandReply, CommandRequest, HistoryJob } from "../../shared/messages/index.ts";
import { plural } from "./sizes.ts";

/**
 * `pytarchive history`: one block per finished task, the newest first.
 *
 * @example
 * // [3fa2b1c0] done - Archiving folder: /x to tape AAK788L9
 * //     2026-12-07 09:12:03 → 09:14:40 (2 min 37 s), 1.20 GiB in 1,204 files
 */
export function renderHistory(
  reply: CommandReply<"history">,
  request: CommandRequest<"history">,
): string {
  const what = request.failed === true ? "failed task" : "finished task";
  const since = request.since === undefined ? "" : ` since ${request.since}`;
  if (reply.jobs.length === 0) return `No ${what}s${since}.\n`;
  const lines = [`${plural(reply.jobs.length, what)}${since}, the newest first:`];
  for (const job of reply.jobs) lines.push("", ...historyLines(job));
  return `${lines.join("\n")}\n`;
}

function historyLines(job: HistoryJob): string[] {
  const lines = [`[${job.id}] ${job.outcome} - ${job.description}`];
  const moved =
    job.bytes === null || job.files === null
      ? ""
      : `, ${describeBytes(job.bytes)} in ${plural(job.files, "file")}`;
  lines.push(`    ${describeTimes(job.startedAt, job.finishedAt)}${moved}`);
  // The error when there is one (a failed job, or one aborted after it failed), else its summary.
  const detail = job.error ?? job.summary;
  if (detail !== null && detail.trim() !== "") {
    for (const line of detail.trim().split("\n")) lines.push(`    ${line}`);
  }
  return lines;
}

/** "2026-12-07 09:12:03 → 09:14:40 (2 min 37 s)" in local time; "ended …" when it never started. */
function describeTimes(startedAt: string | null, finishedAt: string): string {
  const end = new Date(finishedAt);
  if (startedAt === null) return `ended ${localTime(end, true)} without running`;
  const start = new Date(startedAt);
  const sameDay = localTime(start, true).slice(0, 10) === localTime(end, true).slice(0, 10);
  return `${localTime(start, true)} → ${localTime(end, !sameDay)} (${describeDuration(end.getTime() - start.getTime())})`;
}

function localTime(date: Date, withDate: boolean): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  if (!withDate) return time;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}
