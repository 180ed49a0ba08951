import { ERROR_AREAS, ERROR_CATALOGUE, type ErrorCode } from "./catalogue.ts";

/*
 * docs/errors.md, rendered from the catalogue. Tables are padded the way `biome format` pads
 * them, so the generated page passes `npm run lint` as it is written.
 */

const HEADER = ["Code", "Meaning", "Transient", "HTTP", "What to do"] as const;

function tableRow(cells: readonly string[], widths: readonly number[]): string {
  return `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
}

/** A markdown table with every column as wide as its widest cell. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  return [
    tableRow(HEADER, widths),
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
    "never reused. The message says what went wrong in that case and the hint what to do; the table's",
    '"What to do" is the general advice for the code.',
    "",
    '"Transient" errors may go away when tried again later (a service, the changer, the catalog or NATS',
    "could not be reached, or a device was busy): a step that meets one is tried again instead of",
    'failing its job. "HTTP" is the status the gateway\'s HTTP API answers with.',
  ];
  for (const area of ERROR_AREAS) {
    const inArea = codes.filter((code) => ERROR_CATALOGUE[code].area === area);
    if (inArea.length === 0) continue;
    lines.push("", `## ${area}`, "", ...table(inArea.map(codeRow)));
  }
  return `${lines.join("\n")}\n`;
}
