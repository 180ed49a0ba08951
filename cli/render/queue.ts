import { describePercent, describeProgressNumbers } from "../../shared/format/index.ts";
import type { CommandReply, QueueJob } from "../../shared/messages/index.ts";
import { plural } from "./sizes.ts";

type QueueReply = CommandReply<"queue">;

/**
 * One task as the original listed it: `[3fa2b1c0] 100 - Archiving folder: /x to tape AAK788L9`,
 * with ` [progress]` when it runs.
 *
 * @example queueLine(job) // "[3fa2b1c0] 100 - Archiving folder: /x to tape AAK788L9 [drive 0] [42%, 120 MiB/s, 3 min left] [writing …]"
 */
export function queueLine(job: QueueJob, withProgress: boolean): string {
  const notes: string[] = [];
  // Which drive a tape job holds or held: what `pytarchive clear-drive` and the library panel need.
  if (job.state !== "queued" && typeof job.drive === "number") notes.push(`drive ${job.drive}`);
  const figures = job.progressFigures ?? null;
  if (withProgress && figures !== null) {
    const numbers = describeProgressNumbers(figures);
    if (numbers !== "") notes.push(numbers);
  } else if (job.state === "failed" && figures !== null && figures.percent !== null) {
    // Where it stopped, never a rate: a failed task is not moving.
    notes.push(`stopped at ${describePercent(figures.percent)} of its ${figures.step} step`);
  }
  if (withProgress && job.progress !== null && job.progress !== "") notes.push(job.progress);
  if (job.abortRequested === true) notes.push("abort requested");
  const suffix = notes.map((note) => ` [${note}]`).join("");
  return `[${job.id}] ${job.priority} - ${job.description}${suffix}`;
}

/** A failed task's error under its line, every line indented. */
function errorLines(job: QueueJob): string[] {
  const error = job.error?.trim() ? job.error.trim() : "(no error recorded)";
  return error.split("\n").map((line) => `    ${line}`);
}

/**
 * `pytarchive queue`: a count, then failed tasks first (each with its error), then the running
 * and the queued ones (in the gateway's order: priority, then age), then tasks that ended in
 * the last minutes with their outcome. Empty sections are left out.
 */
export function renderQueue(reply: QueueReply): string {
  const { failed, running, queued } = reply;
  const recent = reply.recent ?? [];
  const total = failed.length + running.length + queued.length;
  const lines = [
    `Queue state: ${plural(total, "task")} (${failed.length} failed, ${running.length} running, ${queued.length} queued)`,
  ];
  if (total === 0) {
    lines.push("", "Nothing is running or queued.");
    lines.push(...recentLines(recent));
    return `${lines.join("\n")}\n`;
  }
  if (failed.length > 0) {
    lines.push("", "Failed tasks:");
    for (const job of failed) lines.push(queueLine(job, false), ...errorLines(job));
  }
  if (running.length > 0) {
    lines.push("", "Running:");
    for (const job of running) lines.push(queueLine(job, true));
  }
  if (queued.length > 0) {
    lines.push("", "Queued:");
    for (const job of queued) lines.push(queueLine(job, false));
  }
  lines.push(...recentLines(recent));
  if (failed.length > 0) {
    lines.push(
      "",
      "Requeue a failed task with `pytarchive requeue ID` (or `--all`), or remove it with `pytarchive abort ID`.",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Tasks that ended lately, each with its outcome and last word (`pytarchive history` has all). */
function recentLines(recent: readonly QueueJob[]): string[] {
  if (recent.length === 0) return [];
  const lines = ["", "Ended in the last 10 minutes (all: `pytarchive history`):"];
  for (const job of recent) {
    const last = job.progress !== null && job.progress !== "" ? ` [${job.progress}]` : "";
    lines.push(`[${job.id}] ${job.state} - ${job.description}${last}`);
  }
  return lines;
}
