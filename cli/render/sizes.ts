const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] as const;

/**
 * A size in KiB (as `du -s` and `tape_max_size` count) in binary units with two decimals;
 * below 1 MiB the whole KiB.
 *
 * @example formatKiB(17138671616) // "15.96 TiB"
 * @example formatKiB(512) // "512 KiB"
 */
export function formatKiB(kib: number): string {
  let value = kib;
  let unit = 0;
  // Compare the rounded value, so 1048575 KiB reads "1.00 GiB", not "1024.00 MiB".
  while (
    unit < UNITS.length - 1 &&
    (unit === 0 ? Math.round(value) : Number(value.toFixed(2))) >= 1024
  ) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} KiB` : `${value.toFixed(2)} ${UNITS[unit]}`;
}

/**
 * How full a tape is, in percent with one decimal; "-" when its capacity is unknown (0).
 *
 * @example formatPercent(1610612736, 17138671616) // "9.4%"
 */
export function formatPercent(usedKiB: number, capacityKiB: number): string {
  if (capacityKiB <= 0) return "-";
  return `${((usedKiB / capacityKiB) * 100).toFixed(1)}%`;
}

/** "1 folder", "2 folders". */
export function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count} ${count === 1 ? word : pluralWord}`;
}
