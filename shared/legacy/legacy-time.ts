/*
 * The original's times: local wall time without a zone, written by
 * `datetime.now().strftime("%b %d %Y %H:%M:%S")` (Python's default C locale: English months).
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const LEGACY_TIME = /^([A-Z][a-z]{2}) (\d{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * The original's time as ISO 8601 local wall time, as stored (no zone), or null when it is not
 * one (a month, day or hour that does not exist included).
 *
 * @example legacyTimeToIso("May 08 2024 07:45:12") // "2024-05-08T07:45:12"
 */
export function legacyTimeToIso(text: string): string | null {
  const match = LEGACY_TIME.exec(text);
  if (match === null) return null;
  const [, monthName, day, year, hour, minute, second] = match as unknown as string[];
  const month = MONTHS.indexOf(monthName as string) + 1;
  if (month === 0) return null;
  const days = new Date(Date.UTC(Number(year), month, 0)).getUTCDate();
  if (Number(day) < 1 || Number(day) > days) return null;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  return `${year}-${String(month).padStart(2, "0")}-${day}T${hour}:${minute}:${second}`;
}

/**
 * A local wall time (`2024-05-08T07:45:12`) as the instant it names on this host, whose zone
 * the original wrote it in.
 *
 * @example localWallTimeToDate("2024-05-08T07:45:12").getHours() // 7
 */
export function localWallTimeToDate(iso: string): Date {
  const [date = "", time = ""] = iso.split("T");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute, second] = time.split(":").map(Number);
  return new Date(year ?? 1970, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0);
}
