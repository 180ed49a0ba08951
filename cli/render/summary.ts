import type { CommandReply } from "../../shared/messages/index.ts";
import { formatKiB, plural } from "./sizes.ts";

type SummaryReply = CommandReply<"summary">;
type SummaryTape = SummaryReply["tapes"][number];
type PreparedFolder = SummaryReply["prepared"][number];

/** What a simulated tape or folder is marked with: it is a loop image, not an archive. */
export const SIMULATED_MARK = "SIMULATED (loop image of a simulated library, not an archive)";

/** `AAK788L9  1.50 TiB / 15.96 TiB (9.4%)  1610612736 / 17138671616 KiB` */
function tapeLine(tape: SummaryTape): string {
  const line = `${tape.barcode}  ${formatKiB(tape.usedKiB)} / ${formatKiB(tape.capacityKiB)} (${tape.percent.toFixed(1)}%)  ${tape.usedKiB} / ${tape.capacityKiB} KiB`;
  return tape.simulated ? `${line}  ${SIMULATED_MARK}` : line;
}

/**
 * What a folder's copy is worth, when it is less than verified: a failed check (keep the
 * original), checksums that came from the tape itself (they say nothing of the original), or
 * not read back yet.
 */
function verificationMark(folder: SummaryTape["folders"][number]): string {
  if (folder.verifyFailed === true) {
    return ` [VERIFICATION FAILED: keep the original; \`pytarchive history --failed\` shows what differs, then \`pytarchive verify ${folder.path}\` again]`;
  }
  if (folder.verified !== false) return "";
  if (folder.checksumsFrom === "tape") {
    return ` [imported from tape, checksums taken from the tape, not compared with the original: \`pytarchive verify --adopt ${folder.path}\`]`;
  }
  return " [archived, not verified]";
}

/** The folders of one tape, largest first (as the original): `/x -> name_on_tape (size) description`. */
function folderLines(tape: SummaryTape): string[] {
  if (tape.folders.length === 0) return ["    (no folders)"];
  return [...tape.folders]
    .sort((a, b) => b.sizeKiB - a.sizeKiB)
    .map((folder) =>
      `    ${folder.path} -> ${folder.name} (${formatKiB(folder.sizeKiB)}) ${folder.description}${folder.simulated ? " [simulated copy only]" : ""}${verificationMark(folder)}`.trimEnd(),
    );
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A time as the original's summary showed it, in local time: `May 06 2024 08:00:00`. */
export function originalDate(iso: string): string {
  const date = new Date(iso);
  const two = (value: number) => String(value).padStart(2, "0");
  return `${MONTHS[date.getMonth()]} ${two(date.getDate())} ${date.getFullYear()} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `/data/x (1.00 GiB as of May 06 2024 08:00:00) -> AAK788L9 (queued, task 3fa2b1c0)` */
function archivingLines(folder: NonNullable<SummaryReply["archiving"]>[number]): string[] {
  const asOf = folder.measuredAt === null ? "" : ` as of ${originalDate(folder.measuredAt)}`;
  return [
    `${folder.path} (${formatKiB(folder.sizeKiB)}${asOf}) -> ${folder.tape} (${folder.state === "running" ? "being archived" : "queued"}, task ${folder.jobId})`,
  ];
}

function preparedLines(folder: PreparedFolder): string[] {
  const facts = [
    formatKiB(folder.sizeKiB),
    folder.fileCount === null ? "files not counted" : plural(folder.fileCount, "file"),
  ];
  if (folder.compressed) facts.push("compressed");
  if (folder.measuredAt != null) facts.push(`as of ${originalDate(folder.measuredAt)}`);
  const suggestion =
    folder.suggestedTape === null
      ? "no tape has room for it"
      : `suggested tape: ${folder.suggestedTape}`;
  const lines = [`${folder.path} (${facts.join(", ")}) -> ${suggestion}`];
  if (folder.description.trim() !== "") lines.push(`    ${folder.description}`);
  return lines;
}

/**
 * `pytarchive summary`: every tape (by barcode) with its fill in binary units and in KiB and the
 * folders on it (simulated tapes and folders marked so), then the prepared folders with the tape suggested for each (the fullest tape
 * where it still fits).
 */
export function renderSummary(reply: SummaryReply): string {
  const lines = [`Tape overview (${plural(reply.tapes.length, "tape")}):`];
  if (reply.tapes.length === 0) lines.push("    (no tapes known yet)");
  const tapes = [...reply.tapes].sort((a, b) => a.barcode.localeCompare(b.barcode));
  tapes.forEach((tape, index) => {
    if (index > 0) lines.push("");
    lines.push(tapeLine(tape), ...folderLines(tape));
  });
  lines.push("");
  if (reply.prepared.length === 0) {
    lines.push("Prepared folders: none");
  } else {
    lines.push(`Prepared folders (${reply.prepared.length}, ready to archive):`);
    for (const folder of reply.prepared) lines.push(...preparedLines(folder));
  }
  // The original's other sections, when they have folders.
  const archiving = reply.archiving ?? [];
  if (archiving.length > 0) {
    lines.push("", `Queued for archiving (${archiving.length}):`);
    for (const folder of archiving) lines.push(...archivingLines(folder));
  }
  const preparing = reply.preparing ?? [];
  if (preparing.length > 0) {
    lines.push("", `Being prepared (${preparing.length}):`);
    for (const folder of preparing) lines.push(`${folder.path}: ${folder.description}`);
  }
  return `${lines.join("\n")}\n`;
}
