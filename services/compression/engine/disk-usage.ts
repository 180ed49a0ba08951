import fs from "node:fs/promises";

/**
 * KiB as GNU `du` prints them by default: allocated space (`st_blocks`, always 512-byte units on
 * Linux) summed in bytes, then divided by 1024 rounding up.
 *
 * @example allocatedKiB(9n) // 5 — 4608 bytes is 4.5 KiB, shown as 5
 */
export function allocatedKiB(blocks: bigint): number {
  return Number((blocks * 512n + 1023n) / 1024n);
}

/** One file's size as `du -s FILE` prints it, and its length in bytes. */
export async function fileUsage(file: string): Promise<{ sizeKiB: number; bytes: number }> {
  const stats = await fs.stat(file, { bigint: true });
  return { sizeKiB: allocatedKiB(stats.blocks), bytes: Number(stats.size) };
}
