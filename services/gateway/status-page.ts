import type { CommandReply, QueueJob } from "../../shared/messages/index.ts";

/**
 * Text safe inside HTML elements and quoted attributes: folder names may hold `<`, `&` or quotes.
 *
 * @example
 * escapeHtml('<b>&x"'); // "&lt;b&gt;&amp;x&quot;"
 */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

export interface StatusPageData {
  readonly queue: CommandReply<"queue"> | null;
  readonly tapes: CommandReply<"tapes"> | null;
  /** Why a part could not be shown (e.g. the catalog is not running). */
  readonly problems: readonly string[];
  readonly generatedAt: Date;
  readonly libraryId: string;
}

/** The read-only status page: the queue (running, queued, failed) and the tapes. */
export function renderStatusPage(data: StatusPageData): string {
  const e = escapeHtml;
  const jobRows = (jobs: readonly QueueJob[], withError: boolean) =>
    jobs
      .map(
        (job) =>
          `<tr><td><code>${e(job.id)}</code></td><td>${job.priority}</td><td>${e(job.description)}</td>` +
          `<td>${e(job.progress ?? "")}${job.abortRequested ? " (abort requested)" : ""}</td>` +
          (withError ? `<td>${e(job.error ?? "")}</td>` : "") +
          "</tr>",
      )
      .join("\n");
  const jobTable = (title: string, jobs: readonly QueueJob[], withError: boolean) =>
    `<h2>${title} (${jobs.length})</h2>\n` +
    (jobs.length === 0
      ? "<p>None.</p>"
      : `<table><tr><th>Id</th><th>Priority</th><th>Task</th><th>Progress</th>${withError ? "<th>Error</th>" : ""}</tr>\n${jobRows(jobs, withError)}\n</table>`);
  const tapeRows = (data.tapes?.tapes ?? [])
    .map((tape) => {
      const where =
        tape.location === "slot"
          ? `slot ${tape.slot}`
          : tape.location === "drive"
            ? `drive ${tape.drive}`
            : "unknown";
      const percent =
        tape.capacityKiB > 0 ? `${((tape.usedKiB / tape.capacityKiB) * 100).toFixed(1)}%` : "";
      return (
        `<tr><td><code>${e(tape.barcode)}</code></td><td>${e(where)}</td>` +
        `<td>${tape.cleaning ? "cleaning" : e(tape.state)}</td><td>${tape.usedKiB} / ${tape.capacityKiB} KiB ${percent}</td>` +
        `<td>${tape.simulated ? '<strong class="simulated">SIMULATED</strong>' : ""}</td></tr>`
      );
    })
    .join("\n");
  const simulatedCount = (data.tapes?.tapes ?? []).filter((tape) => tape.simulated).length;
  // Loud and first: nothing archived on these tapes is a copy an original could be deleted for.
  const simulatedWarning =
    simulatedCount === 0
      ? ""
      : `<p class="simulated">${simulatedCount} SIMULATED tape${simulatedCount === 1 ? "" : "s"}: loop images of a simulated library ([Device] simulate); nothing archived on them is an archive.</p>`;
  const problems = data.problems
    .map((problem) => `<p class="problem">${e(problem)}</p>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="30">
<title>pytarchive: ${e(data.libraryId)}</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
.problem { color: #a00; }
.simulated { color: #a00; font-weight: bold; }
</style>
</head>
<body>
<h1>pytarchive: library ${e(data.libraryId)}</h1>
<p>As of ${e(data.generatedAt.toISOString())}; this page refreshes every 30 s.</p>
${simulatedWarning}
${problems}
${data.queue === null ? "" : [jobTable("Running", data.queue.running, false), jobTable("Queued", data.queue.queued, false), jobTable("Failed", data.queue.failed, true)].join("\n")}
<h2>Tapes (${data.tapes?.tapes.length ?? 0})</h2>
${tapeRows === "" ? "<p>None.</p>" : `<table><tr><th>Barcode</th><th>Location</th><th>State</th><th>Used</th><th>Note</th></tr>\n${tapeRows}\n</table>`}
</body>
</html>
`;
}
