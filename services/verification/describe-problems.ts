import { describeCount } from "../../shared/format/index.ts";
import type { VerifyMismatch } from "./engine/index.ts";

/** A checksum shortened for a message: the first 12 hex digits tell two apart. */
function shortSum(value: string | number | null): string {
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value)
    ? `${value.slice(0, 12)}…`
    : String(value);
}

function bytes(value: string | number | null): string {
  return typeof value === "number" ? `${describeCount(value)} bytes` : String(value);
}

/**
 * One problem the read-back found, as a person reads it: the path relative to the archived
 * folder, then what is wrong.
 *
 * @example
 * describeMismatch({ path: "a.dat", problem: "size", expected: 1024, actual: 1000 })
 * // "a.dat: size differs (recorded 1,024 bytes, read 1,000 bytes)"
 */
export function describeMismatch(mismatch: VerifyMismatch): string {
  const { path, expected, actual } = mismatch;
  switch (mismatch.problem) {
    case "missing":
      return `${path}: missing from the tape (a ${String(expected)} was recorded)`;
    case "size":
      return `${path}: size differs (recorded ${bytes(expected)}, read ${bytes(actual)})`;
    case "checksum":
      return `${path}: checksum differs (recorded ${shortSum(expected)}, read ${shortSum(actual)})`;
    case "extra":
      return `${path}: on the tape but not recorded (a ${String(actual)})`;
    case "type":
      return `${path}: a ${String(actual)} on the tape where a ${String(expected)} was recorded`;
    case "link-target":
      return `${path}: link points to ${String(actual)}, recorded ${String(expected)}`;
    case "xattrs":
      return `${path}: extended attributes differ on the tape (recorded ${String(expected)}; differing ${String(actual)})`;
    case "unreadable":
      return `${path}: unreadable on the tape (${String(actual)})`;
  }
}

/**
 * The first `shown` problem lines joined, and how many more there are.
 *
 * @example listFirst(["a: x", "b: y", "c: z"], 2) // "a: x; b: y; and 1 more"
 */
export function listFirst(lines: readonly string[], shown: number): string {
  const listed = lines.slice(0, shown).join("; ");
  return lines.length > shown
    ? `${listed}; and ${describeCount(lines.length - shown)} more`
    : listed;
}

/** "1 problem", "3 problems". */
export function countOf(count: number, noun: string): string {
  return `${describeCount(count)} ${noun}${count === 1 ? "" : "s"}`;
}
