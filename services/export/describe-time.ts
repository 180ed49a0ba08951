/*
 * Times as the explore mail and progress give them: always UTC, so that the requester and the
 * archive host read the same clock, and without locale data (the service may run anywhere).
 */

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

const two = (value: number) => String(value).padStart(2, "0");

/**
 * The time of day in UTC, with the date when it is not today's (UTC).
 *
 * @example
 * clockUtc(new Date("2024-06-05T14:05:30Z"), new Date("2024-06-05T13:55:50Z")) // "14:05 UTC"
 * clockUtc(new Date("2024-06-06T00:10:00Z"), new Date("2024-06-05T23:55:00Z")) // "2024-06-06 00:10 UTC"
 */
export function clockUtc(at: Date, now: Date): string {
  const time = `${two(at.getUTCHours())}:${two(at.getUTCMinutes())} UTC`;
  const day = at.toISOString().slice(0, 10);
  return day === now.toISOString().slice(0, 10) ? time : `${day} ${time}`;
}

/**
 * A moment for people, in UTC.
 *
 * @example
 * longUtc(new Date("2024-06-05T14:05:07Z")) // "Wednesday 5 June 2024, 14:05:07 UTC"
 */
export function longUtc(at: Date): string {
  return `${WEEKDAYS[at.getUTCDay()]} ${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}, ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} UTC`;
}
