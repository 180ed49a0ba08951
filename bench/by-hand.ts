import fs from "node:fs";
import { expectExit, runCommand } from "../shared/exec/index.ts";

const HOUR_MS = 60 * 60_000;

/**
 * Puts the machine in the same state before every timed run: data written out, and (as root)
 * nothing of the trees or tapes left in the page cache. Returns false when the cache could not
 * be dropped (not root): runs after the first may then read from memory.
 */
export async function settle(): Promise<boolean> {
  expectExit(await runCommand("sync", [], { timeoutMs: HOUR_MS }));
  try {
    fs.writeFileSync("/proc/sys/vm/drop_caches", "3");
    return true;
  } catch {
    return false;
  }
}

/** Seconds since `started` (a performance.now() value). */
export const secondsSince = (started: number) => (performance.now() - started) / 1000;

/** `cp -a source target`, as a careful person copies a folder. */
export async function copyTree(source: string, target: string): Promise<void> {
  expectExit(await runCommand("cp", ["-a", "--", source, target], { timeoutMs: HOUR_MS }));
}

/** `sync`: what a tape, which cannot cache, has to wait for. */
export async function flush(): Promise<void> {
  expectExit(await runCommand("sync", [], { timeoutMs: HOUR_MS }));
}

/** Names per `sha256sum` run: well under the kernel's argument limit, as xargs would batch them. */
const NAMES_PER_RUN = 2_000;

/**
 * `sha256sum` of every file (paths relative to `root`), as `find -type f | xargs sha256sum` does
 * it: one run per batch of names. Returns the digests by path, so a caller can check them.
 */
export async function sha256sumFiles(
  root: string,
  files: readonly string[],
): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for (let first = 0; first < files.length; first += NAMES_PER_RUN) {
    const names = files.slice(first, first + NAMES_PER_RUN);
    const { stdout } = expectExit(
      await runCommand("sha256sum", ["--", ...names], { cwd: root, timeoutMs: HOUR_MS }),
    );
    for (const line of stdout.split("\n")) {
      if (line.length > 66) digests.set(line.slice(66), line.slice(0, 64));
    }
  }
  return digests;
}
