import type { LegacyPlan } from "../../shared/legacy/index.ts";
import type { LegacyImportReply, LegacyOutcome } from "../../shared/messages/index.ts";
import { formatKiB, plural } from "./sizes.ts";

function problemLines(plan: LegacyPlan): string[] {
  if (plan.problems.length === 0) return [];
  return [
    "",
    `Not as before (${plan.problems.length}):`,
    ...plan.problems.map((problem) => `  ${problem.entry}: ${problem.message}`),
  ];
}

/** `import-legacy --dry-run`: what the files hold and what would become of each entry. */
export function renderLegacyDryRun(plan: LegacyPlan): string {
  const { dryRun } = plan;
  const lines = [
    `Would import ${plural(plan.folders.length, "folder")} of ${dryRun.folders.length} in the database and ${plural(plan.jobs.length, "task")} of ${dryRun.queue.length} in the queue (nothing was changed):`,
    "",
    "Folders:",
  ];
  for (const folder of dryRun.folders) {
    const size = folder.size_kib === null ? "size not measured" : formatKiB(folder.size_kib);
    const where =
      folder.tape === null ? "" : ` on ${folder.tape} as ${folder.path_on_tape ?? "(no name)"}`;
    const state = folder.state === "archived" ? "archived, not verified" : folder.state;
    lines.push(`  [${state}] ${folder.original_directory} (${size})${where}`);
    if (folder.description !== "") lines.push(`      ${folder.description}`);
  }
  lines.push("", "Tapes:");
  if (dryRun.tapes.length === 0) lines.push("  (none)");
  for (const tape of dryRun.tapes) {
    lines.push(
      `  ${tape.barcode}: ${plural(tape.folders.length, "archived folder")}${tape.pending.length > 0 ? `, ${tape.pending.length} queued or failed to go there` : ""}`,
    );
  }
  lines.push("", "Tasks:");
  if (dryRun.queue.length === 0) lines.push("  (none)");
  for (const task of plan.jobs) {
    lines.push(
      `  ${task.failed === null ? "queued" : "failed"} ${task.kind} (priority ${task.priority}): ${JSON.stringify(task.args)}`,
    );
  }
  lines.push(...problemLines(plan));
  return `${lines.join("\n")}\n`;
}

function count(entries: readonly LegacyOutcome[], outcome: LegacyOutcome["outcome"]): number {
  return entries.filter((entry) => entry.outcome === outcome).length;
}

/** `import-legacy`: what was added, what was there already, and what was not imported and why. */
export function renderLegacyImport(reply: LegacyImportReply, plan: LegacyPlan): string {
  const lines = [
    `Folders: ${count(reply.folders, "added")} added, ${count(reply.folders, "unchanged")} already in the catalog, ${count(reply.folders, "refused")} refused.`,
    `Tasks: ${count(reply.jobs, "added")} added, ${count(reply.jobs, "unchanged")} imported before, ${count(reply.jobs, "refused")} refused.`,
    `Tapes new to the catalog (not in the library until it sees them): ${reply.tapesAdded.length === 0 ? "none" : reply.tapesAdded.join(", ")}.`,
  ];
  const jobs = reply.jobs.filter((entry) => entry.jobId !== null);
  if (jobs.length > 0) {
    lines.push("", "Tasks in the queue now:");
    for (const entry of jobs) lines.push(`  [${entry.jobId}] ${entry.state} - ${entry.source}`);
  }
  const refused = [...reply.folders, ...reply.jobs].filter((entry) => entry.outcome === "refused");
  if (refused.length > 0) {
    lines.push("", "Refused:");
    for (const entry of refused) lines.push(`  ${entry.source}: ${entry.message ?? ""}`);
  }
  lines.push(...problemLines(plan));
  lines.push(
    "",
    "Folders the original archived are archived, not verified: `pytarchive verify --adopt FOLDER` checks them.",
  );
  return `${lines.join("\n")}\n`;
}
