/**
 * Node's utimes family takes seconds as a JavaScript number, and libuv keeps whole
 * microseconds of it: a time set through it is the original truncated to the microsecond.
 * The manifest keeps the exact nanoseconds.
 */
export function secondsFromNs(ns: bigint | string): number {
  const value = typeof ns === "bigint" ? ns : BigInt(ns);
  const micros = value / 1000n;
  // Half a microsecond more: a double near 1.7e9 s is exact to about 0.24 µs, and libuv
  // truncates, so the sum must land inside the wanted microsecond, not just below it.
  return Number(micros / 1_000_000n) + (Number(micros % 1_000_000n) + 0.5) / 1e6;
}

/** The permission bits of an st_mode (setuid, setgid and sticky included). */
export function permissionBits(mode: number): number {
  return mode & 0o7777;
}
