import { describeBytes } from "../../../shared/format/index.ts";
import { describeAge } from "./describe.ts";
import type {
  AgeGroupReport,
  InventoryReport,
  InventoryTotals,
  SourceInventory,
  UnreadableSubfolder,
} from "./inventory-report.ts";

export interface FormattedInventory {
  /** One line for the mail's subject. */
  readonly subject: string;
  /** The whole report as plain text, for mail (best read in a fixed-width font). */
  readonly text: string;
  /** A few lines for a chat channel. */
  readonly chat: string;
}

/**
 * The report as people read it: sizes in binary units (shared/format), ages in years and
 * months, each source folder with its groups (largest first), the subfolders that could not be
 * measured listed apart with the reason, and totals.
 *
 * @example
 * formatInventoryReport(report).subject
 * // "pytarchive inventory: 40 folders, 1.3 TiB older than 6 months"
 */
export function formatInventoryReport(report: InventoryReport): FormattedInventory {
  const now = new Date(report.takenAt);
  const { totals } = report;
  return {
    subject: formatSubject(totals),
    text: [
      `pytarchive inventory of ${formatTime(now)}`,
      "",
      ...formatTotals(
        totals,
        "All source folders",
        report.sources.filter((source) => source.listError !== null).map((source) => source.folder),
      ),
      ...report.sources.flatMap((source) => [
        "",
        ...formatSource(source, now, report.sources.length > 1),
      ]),
    ].join("\n"),
    chat: formatChat(report, now),
  };
}

function formatSubject(totals: InventoryTotals): string {
  const staleKiB = totals.groups
    .filter((group) => group.id !== "recent")
    .reduce((total, group) => total + group.totalKiB, 0);
  const problems = [
    totals.unreadableCount > 0 ? `${totals.unreadableCount} unreadable` : null,
    totals.unlistedCount > 0
      ? `${countOf(totals.unlistedCount, "source folder")} not listed`
      : null,
  ].filter((part) => part !== null);
  return [
    `pytarchive inventory: ${countOf(totals.measuredCount + totals.unreadableCount, "folder")}`,
    `${describeKiB(staleKiB)} older than 6 months`,
    ...problems,
  ].join(", ");
}

function formatTotals(
  totals: InventoryTotals,
  title: string,
  unlisted: readonly string[],
): string[] {
  const row = (label: string, count: number, kib: number) => [
    label,
    String(count),
    count === 1 ? "folder" : "folders",
    describeKiB(kib),
  ];
  const rows = [
    ...totals.groups.map((group) => row(group.label, group.count, group.totalKiB)),
    row("in all", totals.measuredCount, totals.totalKiB),
  ];
  const lines = [`${title}:`, ...table(rows, ["left", "right", "left", "right"]).map(indent)];
  if (totals.unreadableCount > 0) {
    lines.push(
      indent(
        totals.unreadableCount === 1
          ? "1 folder could not be measured and is not in these totals"
          : `${totals.unreadableCount} folders could not be measured and are not in these totals`,
      ),
    );
  }
  if (unlisted.length > 0) {
    lines.push(indent(`Could not be listed: ${unlisted.join(", ")}`));
  }
  return lines;
}

/** `withTotals`: a folder's own totals, worth printing only beside other source folders. */
function formatSource(source: SourceInventory, now: Date, withTotals: boolean): string[] {
  const heading = `== ${source.folder} ==`;
  if (source.listError !== null) {
    return [heading, `Could not be listed: ${source.listError}`];
  }
  const found = source.totals.measuredCount + source.totals.unreadableCount;
  if (found === 0) return [heading, "No subfolders."];
  return [
    heading,
    ...source.groups.flatMap((group) => ["", ...formatGroup(group, now)]),
    ...(source.unreadable.length > 0 ? ["", ...formatUnreadable(source.unreadable, now)] : []),
    ...(withTotals ? ["", ...formatTotals(source.totals, `Totals for ${source.folder}`, [])] : []),
  ];
}

function formatGroup(group: AgeGroupReport, now: Date): string[] {
  if (group.subfolders.length === 0) return [`${capitalize(group.label)}: none`];
  const title = `${capitalize(group.label)}: ${countOf(group.subfolders.length, "folder")}`;
  const rows = group.subfolders.map((entry): [string, string, string] => [
    describeKiB(entry.sizeKiB),
    describeAge(new Date(entry.lastChange), now),
    entry.path,
  ]);
  return [
    `${title}, ${describeKiB(group.totalKiB)}`,
    ...table([["size", "age", "folder"], ...rows], ["right", "left", "left"]).map(indent),
  ];
}

function formatUnreadable(unreadable: readonly UnreadableSubfolder[], now: Date): string[] {
  return [
    `Could not be measured: ${countOf(unreadable.length, "folder")} (not in the totals)`,
    ...unreadable.flatMap((entry) => {
      const known = [
        entry.partialSizeKiB === null
          ? null
          : `at least ${describeKiB(entry.partialSizeKiB)} could be counted`,
        entry.lastChange === null
          ? null
          : `last changed ${describeAge(new Date(entry.lastChange), now)} ago`,
      ].filter((part) => part !== null);
      return [
        `  ${entry.path}`,
        `    ${entry.reason}`,
        ...(known.length > 0 ? [`    (${known.join("; ")})`] : []),
      ];
    }),
  ];
}

/** Folders the chat post names in each age group. */
const LARGEST_IN_CHAT = 3;

function formatChat(report: InventoryReport, now: Date): string {
  const { totals } = report;
  const sources = report.sources.length;
  const lines = [
    `pytarchive inventory of ${formatTime(now)}: ${countOf(totals.measuredCount + totals.unreadableCount, "folder")} in ${countOf(sources, "source folder")}, ${describeKiB(totals.totalKiB)} in all`,
    ...totals.groups.map((group) => {
      const largest = largestOf(report, group.id)
        .map((entry) => `${entry.path} (${describeKiB(entry.sizeKiB)})`)
        .join(", ");
      return `- ${group.label}: ${countOf(group.count, "folder")}, ${describeKiB(group.totalKiB)}${largest === "" ? "" : `; largest: ${largest}`}`;
    }),
  ];
  if (totals.unreadableCount > 0) {
    lines.push(`- could not be measured: ${countOf(totals.unreadableCount, "folder")}`);
  }
  const unlisted = report.sources.filter((source) => source.listError !== null);
  if (unlisted.length > 0) {
    lines.push(`- could not be listed: ${unlisted.map((source) => source.folder).join(", ")}`);
  }
  return lines.join("\n");
}

/** The largest subfolders of one age group over every source folder, largest first. */
function largestOf(report: InventoryReport, group: AgeGroupReport["id"]) {
  return report.sources
    .flatMap(
      (source) => source.groups.find((candidate) => candidate.id === group)?.subfolders ?? [],
    )
    .sort((a, b) => b.sizeKiB - a.sizeKiB)
    .slice(0, LARGEST_IN_CHAT);
}

/** Columns padded to their widest cell; the last column is not padded on the right. */
function table(
  rows: readonly (readonly string[])[],
  align: readonly ("left" | "right")[],
): string[] {
  const widths = align.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        if (align[column] === "right") return cell.padStart(width);
        return column === row.length - 1 ? cell : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd(),
  );
}

/** Sizes in the words every service uses: "1.2 GiB", "200 MiB". */
function describeKiB(kib: number): string {
  return describeBytes(kib * 1024);
}

function indent(line: string): string {
  return `  ${line}`;
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "2026-11-26 06:47 UTC": the same for every reader, wherever the server is. */
function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
