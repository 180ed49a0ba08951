const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** The unit a byte count reads best in, and the count in it. */
function scaled(bytes: number): { value: number; unit: string } {
  if (bytes < 1024) return { value: bytes, unit: "B" };
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return { value, unit: UNITS[unit] as string };
}

function digits(value: number, unit: string): string {
  if (unit === "B") return String(Math.round(value));
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/**
 * A byte count as people read it.
 *
 * @example describeBytes(1_288_490_189) // "1.2 GiB"
 */
export function describeBytes(bytes: number): string {
  const { value, unit } = scaled(bytes);
  return `${digits(value, unit)} ${unit}`;
}

/**
 * Part of a byte count, in the whole's unit, for progress lines.
 *
 * @example describeBytesOf(3_435_973_837, 32_212_254_720) // "3.2 of 30.0 GiB"
 */
export function describeBytesOf(done: number, total: number): string {
  const { unit } = scaled(total);
  const factor = unit === "B" ? 1 : 1024 ** (UNITS.indexOf(unit as (typeof UNITS)[number]) + 1);
  return `${digits(done / factor, unit)} of ${describeBytes(total)}`;
}

/** A count with thousands separators: 1204331 → "1,204,331". */
export function describeCount(count: number): string {
  return count.toLocaleString("en-US");
}
