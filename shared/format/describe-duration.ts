/*
 * Durations as messages, logs and mails give them: short ones in ms or s, longer ones in their two
 * largest units. The one formatter for every service (errors, hints, waits, ETAs).
 */

const UNITS: readonly (readonly [seconds: number, name: string])[] = [
  [86_400, "d"],
  [3_600, "h"],
  [60, "min"],
  [1, "s"],
];

/**
 * A duration in milliseconds as people read it.
 *
 * @example
 * describeDuration(500) // "500 ms"
 * describeDuration(1_500) // "1.5 s"
 * describeDuration(580_000) // "9 min 40 s"
 * describeDuration(7_260_000) // "2 h 1 min"
 * describeDuration(3_600_000) // "1 h"
 */
export function describeDuration(ms: number): string {
  const safe = Number.isFinite(ms) ? Math.max(0, ms) : 0;
  if (safe < 1_000) return `${Math.round(safe)} ms`;
  if (safe < 60_000) return `${Number((safe / 1_000).toFixed(1))} s`;
  let rest = Math.round(safe / 1_000);
  const parts: string[] = [];
  for (const [seconds, name] of UNITS) {
    const count = Math.floor(rest / seconds);
    rest -= count * seconds;
    if (parts.length > 0 || count > 0) parts.push(count > 0 ? `${count} ${name}` : "");
    if (parts.length === 2) break;
  }
  return parts.filter((part) => part !== "").join(" ");
}
