const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/**
 * A byte count as people read it.
 *
 * @example describeBytes(1_288_490_189) // "1.2 GiB"
 */
export function describeBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** A count with thousands separators: 1204331 → "1,204,331". */
export function describeCount(count: number): string {
  return count.toLocaleString("en-US");
}
