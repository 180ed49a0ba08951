import type { IndexRecord, TapeLabel } from "./tape-medium.ts";

const HEADER = [
  "Generation: Date       Time               Zone     SelfPtr->BackPtr (Part, Pos)",
  "           (UTC Date   UTC Time           UTC)                                 ",
];
const COMMIT_HEADER =
  "            Commit Message                                                     ";
const FULL_HEADER = [
  "            LTFS Format Version, Creator",
  "            Volume name",
  "            Placement Policy: [Overwrite] size_threshold pattern",
];
const RULE = "-".repeat(79);
const INDENT = " ".repeat(12);

function creator(record: IndexRecord): string {
  if (record.reason === "Format") return "IBM LTFS 2.4.8.4 (Prelim) - Linux - mkltfs - Format";
  const program = record.reason === "Unmount" ? "ltfs" : "ltfsck";
  return `IBM LTFS 2.4.8.4 (Prelim) - Linux - ${program} - ${record.reason}`;
}

function entryLines(
  record: IndexRecord,
  pointers: string,
  label: TapeLabel,
  full: boolean,
): string[] {
  const when = record.time.replace("T", " ").replace(/Z$/, "");
  const lines = [`${String(record.generation).padStart(10)}: ${when} UTC      ${pointers}`];
  if (full) {
    lines.push(
      `${INDENT}2.4.0, "${creator(record)}"`,
      `${INDENT}${label.volumeName ?? "No Volume Name"}`,
      `${INDENT}No criteria`,
    );
  }
  lines.push(`${INDENT}No commit message`);
  return lines;
}

/**
 * The table `ltfsck -l` prints on stdout: newest first (backward traversal), the copy of the
 * newest index on the index partition, then every index on the data partition with its back
 * pointer, down to mkltfs's initial index. `-m` adds creator, volume name and policy lines.
 */
export function formatRollbackPoints(label: TapeLabel, options: { full: boolean }): string {
  const lines = [...HEADER, ...(options.full ? FULL_HEADER : []), COMMIT_HEADER, RULE];
  const history = [...label.history].reverse();
  const newest = history[0];
  if (newest !== undefined) {
    lines.push(...entryLines(newest, `(0, 5)->(1, ${newest.position})`, label, options.full));
  }
  for (const record of history) {
    const pointers =
      record.previous === null
        ? `(1, ${record.position}) <<Initial Index>>`
        : `(1, ${record.position})->(1, ${record.previous})`;
    lines.push(...entryLines(record, pointers, label, options.full));
  }
  return `${lines.join("\n")}\n`;
}
