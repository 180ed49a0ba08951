import {
  ERROR_AREAS,
  ERROR_CATALOGUE,
  type ErrorCode,
  RETIRED_CODES,
  type RetiredCode,
} from "./catalogue.ts";

/*
 * docs/errors.md, rendered from the catalogue. Tables are padded the way `biome format` pads
 * them, so the generated page passes `npm run lint` as it is written.
 */

const HEADER = ["Code", "Meaning", "Transient", "HTTP", "What to do"] as const;
const RETIRED_HEADER = ["Retired code", "Replaced by", "Since"] as const;

function tableRow(cells: readonly string[], widths: readonly number[]): string {
  return `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
}

/** A markdown table with every column as wide as its widest cell. */
function table(rows: readonly (readonly string[])[], header: readonly string[] = HEADER): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  return [
    tableRow(header, widths),
    tableRow(
      widths.map((width) => "-".repeat(width)),
      widths,
    ),
    ...rows.map((row) => tableRow(row, widths)),
  ];
}

function codeRow(code: ErrorCode): string[] {
  const spec = ERROR_CATALOGUE[code];
  const cells = [
    `\`${code}\``,
    spec.meaning,
    spec.transient ? "yes" : "no",
    String(spec.httpStatus),
    spec.hint,
  ];
  return cells.map((cell) => cell.replaceAll("|", "\\|"));
}

function retiredRow([code, retired]: [string, RetiredCode]): string[] {
  const { replacedBy, since } = retired;
  return [
    `\`${code}\``,
    replacedBy === null ? "none (it was never given)" : `\`${replacedBy}\``,
    `${since.version} (${since.date})`,
  ];
}

/** The whole of docs/errors.md. */
export function renderErrorsDoc(): string {
  const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];
  const lines = [
    "# Error codes",
    "",
    "<!-- Generated from shared/errors/catalogue.ts by `npm run docs:errors`; edit the catalogue, not this page. -->",
    "",
    "Every error pytarchive reports has a code: the CLI prints it with `--json`, the gateway's HTTP API",
    "answers `{ code, message, hint }`, and scripts may match on it. Codes are stable; a retired code is",
    "never reused (the last table lists them). The message says what went wrong in that case and the",
    'hint what to do; the table\'s "What to do" is the general advice for the code.',
    "",
    '"Transient" errors may go away when tried again later (a service, the changer, the catalog or NATS',
    "could not be reached, or a device was busy): a step that meets one is tried again, and only when",
    "its last run (the third, by default) meets one too does its job fail, with that error and hint.",
    '"HTTP" is the status the gateway\'s HTTP API answers with.',
  ];
  for (const area of ERROR_AREAS) {
    const inArea = codes.filter((code) => ERROR_CATALOGUE[code].area === area);
    if (inArea.length === 0) continue;
    lines.push("", `## ${area}`, "", ...table(inArea.map(codeRow)));
  }
  lines.push(
    "",
    "## Retired codes",
    "",
    "These codes are no longer given: each was merged into the code that replaced it (which means",
    "the same) or dropped. Scripts that match on an old code should match on its replacement.",
    "Jobs that failed before keep the error they were stored with: the catalog's replies,",
    "`pytarchive history` and `pytarchive queue` show such a job's code as it was stored, so an old",
    "code may still appear there.",
    "",
    ...table(Object.entries(RETIRED_CODES).map(retiredRow), RETIRED_HEADER),
  );
  return `${lines.join("\n")}\n`;
}
