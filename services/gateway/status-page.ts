import {
  describeBytes,
  describeDuration,
  describePercent,
  describeProgressNumbers,
} from "../../shared/format/index.ts";
import type {
  HistoryJob,
  LibraryDrive,
  QueueJob,
  TapeListing,
} from "../../shared/messages/index.ts";
import type { StatusSnapshot } from "./status-snapshot.ts";

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

const e = escapeHtml;

/** Where the page's script is served; the page loads nothing from elsewhere. */
export const STATUS_SCRIPT_PATH = "/status-page.js";

/** The parts of the page the live feed replaces, each an element id. */
export const STATUS_SECTIONS = [
  "as-of",
  "banner",
  "problems",
  "drives",
  "queue",
  "failures",
  "tapes",
  "slots",
  "history",
] as const;
export type StatusSection = (typeof STATUS_SECTIONS)[number];

/**
 * Each part of the status page as HTML, every text from the catalog or the library escaped.
 * The page's script puts them in place as the gateway sends them (server-sent events), so the
 * page is drawn by this one function, live or not.
 */
export function renderStatusSections(snapshot: StatusSnapshot): Record<StatusSection, string> {
  const running = snapshot.queue?.running ?? [];
  return {
    "as-of": `As of ${e(timeOf(snapshot.generatedAt.toISOString()))}`,
    banner: simulatedBanner(snapshot),
    problems: Object.values(snapshot.problems)
      .map((problem) => `<p class="problem">${e(problem)}</p>`)
      .join("\n"),
    drives: drivesSection(snapshot.library?.drives ?? null, running),
    queue: queueSection(snapshot.queue),
    failures: failuresSection(snapshot.queue?.failed ?? null),
    tapes: tapesSection(snapshot.tapes?.tapes ?? null),
    slots: slotsSection(snapshot.library),
    history: historySection(snapshot.history?.jobs ?? null),
  };
}

/** The whole page: the sections in a fixed frame, and the script that keeps them live. */
export function renderStatusPage(snapshot: StatusSnapshot): string {
  const sections = renderStatusSections(snapshot);
  const part = (id: StatusSection, tag = "div") => `<${tag} id="${id}">${sections[id]}</${tag}>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pytarchive: ${e(snapshot.libraryId)}</title>
<style>${STYLE}</style>
<script src="${STATUS_SCRIPT_PATH}" defer></script>
</head>
<body>
<header><h1>pytarchive: library ${e(snapshot.libraryId)}</h1>
<p>${part("as-of", "span")} · <span id="live" class="live">not live: this page shows the moment it was loaded</span></p></header>
${part("banner")}
${part("problems")}
<section><h2>Drives</h2>${part("drives")}</section>
<section><h2>Queue</h2>${part("queue")}</section>
<section><h2>Failed tasks</h2>${part("failures")}</section>
<section><h2>Tapes</h2>${part("tapes")}</section>
<section><h2>Slots</h2>${part("slots")}</section>
<section><h2>Recent history</h2>${part("history")}</section>
</body>
</html>
`;
}

function simulatedBanner(snapshot: StatusSnapshot): string {
  const simulatedTapes = (snapshot.tapes?.tapes ?? []).filter((tape) => tape.simulated).length;
  if (snapshot.library?.simulated !== true && simulatedTapes === 0) return "";
  // Loud and first: nothing archived on these tapes is a copy an original could be deleted for.
  const count =
    simulatedTapes === 0
      ? ""
      : ` ${simulatedTapes} SIMULATED tape${simulatedTapes === 1 ? "" : "s"}:`;
  return `<p class="simulated">SIMULATED library ([Device] simulate).${count} loop images of a simulated library; nothing archived on them is an archive.</p>`;
}

/** A drive as the page shows it: what it holds and what runs on it. */
interface DriveRow {
  readonly index: number;
  readonly barcode: string | null;
  readonly mounted: boolean | null;
  readonly full: boolean;
  readonly blocked: LibraryDrive["blocked"];
  readonly job: QueueJob | null;
}

function drivesSection(drives: readonly LibraryDrive[] | null, running: readonly QueueJob[]) {
  const jobOn = (index: number) => running.find((job) => job.drive === index) ?? null;
  const rows: DriveRow[] =
    drives === null
      ? // The changer did not answer: the running tape tasks still say which drive they hold.
        running
          .filter((job) => typeof job.drive === "number")
          .map((job) => ({
            index: job.drive as number,
            barcode: typeof job.args.tape === "string" ? job.args.tape : null,
            mounted: null,
            full: true,
            blocked: null,
            job,
          }))
      : drives.map((drive) => ({
          index: drive.index,
          barcode: drive.barcode ?? (jobOn(drive.index)?.args.tape as string | undefined) ?? null,
          mounted: drive.mounted,
          full: drive.full,
          blocked: drive.blocked,
          job: jobOn(drive.index),
        }));
  if (rows.length === 0) return "<p>No drive to show.</p>";
  const cells = rows.map((row) => {
    const state = driveState(row);
    const figures = row.job?.progressFigures ?? null;
    const rate =
      figures?.live === true && figures.bytesPerSecond !== null
        ? `${describeBytes(figures.bytesPerSecond)}/s`
        : "";
    const job =
      row.job === null
        ? ""
        : `<code>${e(row.job.id)}</code> ${e(row.job.description)}${progressCell(row.job)}`;
    const blocked =
      row.blocked === null
        ? ""
        : `<div class="problem">${e(row.blocked.reason)} <span class="fix">Run <code>pytarchive clear-drive ${row.index}</code> once the tape is free.</span></div>`;
    return `<tr data-drive="${row.index}" class="drive ${state.className}"><td>Drive ${row.index}</td><td class="state">${e(state.text)}</td><td class="tape">${row.barcode === null ? "" : `<code>${e(row.barcode)}</code>`}</td><td>${job}${blocked}</td><td class="rate">${e(rate)}</td></tr>`;
  });
  return `<table><tr><th>Drive</th><th>State</th><th>Tape</th><th>Task</th><th>Rate</th></tr>\n${cells.join("\n")}\n</table>`;
}

function driveState(row: DriveRow): { text: string; className: string } {
  if (row.blocked !== null) return { text: "blocked", className: "blocked" };
  if (row.job !== null) return { text: "busy", className: "busy" };
  if (row.mounted === true) return { text: "mounted", className: "loaded" };
  if (row.full) return { text: "loaded", className: "loaded" };
  return { text: "empty", className: "idle" };
}

/** A progress bar with its numbers and the step's words. */
function progressCell(job: QueueJob): string {
  const figures = job.progressFigures ?? null;
  const percent = figures?.percent ?? null;
  const bar =
    percent === null
      ? `<progress data-job="${e(job.id)}" max="100"></progress>`
      : `<progress data-job="${e(job.id)}" max="100" value="${percent.toFixed(1)}"></progress>`;
  const numbers = figures === null ? "" : describeProgressNumbers(figures);
  const step = figures === null ? "" : `${figures.step}: `;
  return `<div class="progress">${bar} <span class="numbers">${e(step + numbers)}</span>${job.abortRequested === true ? ' <strong class="problem">abort requested</strong>' : ""}<div class="words">${e(job.progress ?? "")}</div></div>`;
}

function queueSection(queue: StatusSnapshot["queue"]): string {
  if (queue === null) return "<p>Not known now (see above).</p>";
  if (queue.running.length === 0 && queue.queued.length === 0) {
    return "<p>Nothing is running or queued.</p>";
  }
  const running = queue.running.map(
    (job) =>
      `<tr data-job="${e(job.id)}" class="running"><td><code>${e(job.id)}</code></td><td>running${typeof job.drive === "number" ? ` on drive ${job.drive}` : ""}</td><td>${e(job.description)}${progressCell(job)}</td></tr>`,
  );
  const queued = queue.queued.map(
    (job) =>
      `<tr data-job="${e(job.id)}" class="queued"><td><code>${e(job.id)}</code></td><td>queued, priority ${job.priority}</td><td>${e(job.description)}</td></tr>`,
  );
  return `<table><tr><th>Id</th><th>State</th><th>Task</th></tr>\n${[...running, ...queued].join("\n")}\n</table>`;
}

/** `CODE: message` and `What to do: hint`, as the catalog words a job's error (formatJobError). */
export function splitJobError(error: string | null): {
  code: string | null;
  message: string;
  hint: string | null;
} {
  const text = (error ?? "").trim();
  const hintAt = text.indexOf("\nWhat to do: ");
  const first = hintAt === -1 ? text : text.slice(0, hintAt);
  const hint = hintAt === -1 ? null : text.slice(hintAt + "\nWhat to do: ".length);
  const coded = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(first);
  return {
    code: coded?.[1] ?? null,
    message: coded?.[2] ?? (first === "" ? "(no error recorded)" : first),
    hint,
  };
}

/** The commands a hint names (`pytarchive …` in backquotes), then requeue and abort. */
function fixingCommands(job: QueueJob, hint: string | null): string[] {
  const named = [...(hint ?? "").matchAll(/`([^`\n]+)`/g)]
    .map((match) => match[1] as string)
    .filter((command) => /^[a-z][a-z0-9_.-]* /.test(command));
  return [...new Set([...named, `pytarchive requeue ${job.id}`, `pytarchive abort ${job.id}`])];
}

function failuresSection(failed: readonly QueueJob[] | null): string {
  if (failed === null) return "<p>Not known now (see above).</p>";
  if (failed.length === 0) return "<p>None.</p>";
  return failed
    .map((job) => {
      const { code, message, hint } = splitJobError(job.error);
      const figures = job.progressFigures ?? null;
      const stopped =
        figures?.percent == null
          ? ""
          : `<p>Stopped at ${e(describePercent(figures.percent))} of its ${e(figures.step)} step.</p>`;
      const commands = fixingCommands(job, hint)
        .map((command) => `<li><code>${e(command)}</code></li>`)
        .join("");
      return `<article class="failure" data-job="${e(job.id)}"><h3><code>${e(job.id)}</code> ${e(job.description)}${typeof job.drive === "number" ? ` (drive ${job.drive})` : ""}</h3>
<p class="error">${code === null ? "" : `<code>${e(code)}</code> `}${e(message)}</p>${stopped}
${hint === null ? "" : `<p class="hint">What to do: ${e(hint)}</p>`}
<p>Commands:</p><ul class="fix">${commands}</ul></article>`;
    })
    .join("\n");
}

function tapesSection(tapes: readonly TapeListing[] | null): string {
  if (tapes === null) return "<p>Not known now (see above).</p>";
  if (tapes.length === 0) return "<p>No tapes in the catalog.</p>";
  const rows = tapes.map((tape) => {
    const where =
      tape.location === "slot"
        ? `slot ${tape.slot}`
        : tape.location === "drive"
          ? `drive ${tape.drive}`
          : "unknown";
    const used = tape.usedKiB * 1024;
    const capacity = tape.capacityKiB * 1024;
    const percent = capacity > 0 ? (used / capacity) * 100 : 0;
    const fill = `<meter min="0" max="${capacity}" low="${capacity * 0.8}" high="${capacity * 0.95}" optimum="0" value="${used}"></meter> ${e(describeBytes(used))} of ${e(describeBytes(capacity))} (${percent.toFixed(1)}%)`;
    return `<tr data-tape="${e(tape.barcode)}"><td><code>${e(tape.barcode)}</code>${tape.simulated ? ' <strong class="simulated">SIMULATED</strong>' : ""}</td><td>${e(where)}</td><td>${tape.cleaning ? "cleaning" : e(tape.state)}</td><td class="fill">${fill}</td></tr>`;
  });
  return `<table><tr><th>Barcode</th><th>Where</th><th>State</th><th>Fill</th></tr>\n${rows.join("\n")}\n</table>`;
}

function slotsSection(library: StatusSnapshot["library"]): string {
  if (library === null) return "<p>Not known now (see above).</p>";
  const inDrive = new Map<number, number>();
  for (const drive of library.drives) {
    if (drive.sourceSlot !== null) inDrive.set(drive.sourceSlot, drive.index);
  }
  const cells = library.slots.map((slot) => {
    const away = inDrive.get(slot.index);
    const content =
      slot.barcode !== null
        ? `<code>${e(slot.barcode)}</code>`
        : slot.full
          ? "(no label)"
          : away === undefined
            ? "empty"
            : `empty: its tape is in drive ${away}`;
    const kind = slot.importExport ? "I/E slot" : "Slot";
    const classes = ["slot", slot.full ? "full" : "empty", slot.importExport ? "ie" : ""]
      .filter((name) => name !== "")
      .join(" ");
    return `<div class="${classes}" data-slot="${slot.index}"><span class="label">${kind} ${slot.index}</span> ${content}${slot.cleaning ? " (cleaning)" : ""}</div>`;
  });
  return `<div class="slots">${cells.join("")}</div>`;
}

function historySection(jobs: readonly HistoryJob[] | null): string {
  if (jobs === null) return "<p>Not known now (see above).</p>";
  if (jobs.length === 0) return "<p>No task has ended yet.</p>";
  const rows = jobs.map((job) => {
    const took =
      job.startedAt === null
        ? ""
        : describeDuration(Date.parse(job.finishedAt) - Date.parse(job.startedAt));
    const moved =
      job.bytes === null
        ? ""
        : `${describeBytes(job.bytes)}${job.files === null ? "" : `, ${job.files} files`}`;
    const why = job.outcome === "failed" ? splitJobError(job.error).message : (job.summary ?? "");
    return `<tr data-job="${e(job.id)}" class="${e(job.outcome)}"><td>${e(timeOf(job.finishedAt))}</td><td class="outcome">${e(job.outcome)}</td><td><code>${e(job.id)}</code> ${e(job.description)}<div class="words">${e(why)}</div></td><td>${e(took)}</td><td>${e(moved)}</td></tr>`;
  });
  return `<table><tr><th>Ended</th><th>Outcome</th><th>Task</th><th>Took</th><th>Moved</th></tr>\n${rows.join("\n")}\n</table>`;
}

/** `2026-12-07 16:20:03 UTC`: the page's clock is the server's, in UTC, as the logs. */
function timeOf(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
h2 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
code { font-family: ui-monospace, monospace; }
progress { width: 14em; height: 1em; vertical-align: middle; }
meter { width: 10em; vertical-align: middle; }
.words { color: #555; font-size: 0.9em; white-space: pre-wrap; }
.problem, .error { color: #a00; }
.simulated { color: #a00; font-weight: bold; }
.live { color: #070; }
tr.busy .state { color: #06c; font-weight: bold; }
tr.blocked .state { color: #a00; font-weight: bold; }
.failure { border-left: 4px solid #a00; padding: 0.2em 0.8em; margin: 0.6em 0; }
.failure h3 { font-size: 1em; margin: 0.2em 0; }
.hint { font-style: italic; }
.slots { display: flex; flex-wrap: wrap; gap: 0.3em; }
.slot { border: 1px solid #bbb; border-radius: 3px; padding: 0.2em 0.4em; min-width: 7em; font-size: 0.9em; }
.slot.empty { color: #888; border-style: dashed; }
.slot.ie { background: #fff6dd; }
.slot .label { display: block; font-size: 0.75em; color: #666; }
tr.failed .outcome { color: #a00; }
tr.done .outcome { color: #070; }
`;
