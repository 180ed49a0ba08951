/**
 * Left-aligned columns separated by two spaces, trailing spaces trimmed.
 *
 * @example formatTable(["SLOT", "BARCODE"], [["1", "AAK788L9"]]) // "SLOT  BARCODE\n1     AAK788L9\n"
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    widths
      .map((width, column) => (cells[column] ?? "").padEnd(width))
      .join("  ")
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join("\n")}\n`;
}
