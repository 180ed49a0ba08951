import { DAY_MS } from "./age-groups.ts";

/**
 * How long ago `then` was, in calendar years and months (UTC), or days below one month.
 *
 * @example describeAge(new Date("2023-09-01"), new Date("2026-11-26")) // "3 years 2 months"
 */
export function describeAge(then: Date, now: Date): string {
  if (then.getTime() > now.getTime()) return "in the future";
  let months =
    (now.getUTCFullYear() - then.getUTCFullYear()) * 12 + now.getUTCMonth() - then.getUTCMonth();
  // Not a whole month yet when `now` is earlier in its month than `then` was in its own.
  if (timeInMonth(now) < timeInMonth(then)) months -= 1;
  if (months >= 12) {
    const years = Math.floor(months / 12);
    const rest = months % 12;
    return rest === 0 ? plural(years, "year") : `${plural(years, "year")} ${plural(rest, "month")}`;
  }
  if (months >= 1) return plural(months, "month");
  const days = Math.floor((now.getTime() - then.getTime()) / DAY_MS);
  return days === 0 ? "less than a day" : plural(days, "day");
}

/** Milliseconds since the start of the date's month (UTC), to compare days within months. */
function timeInMonth(date: Date): number {
  return date.getTime() - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
