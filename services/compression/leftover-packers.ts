import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/*
 * When the compression service is killed (kill -9, the OOM killer), the tar it started is not:
 * it inherits Node's ignored SIGPIPE, so losing its stderr does not stop it, and it packs on into
 * a partial archive that the next run deletes — holding disk space and reading the folder a
 * second time until it is done. The next run of the step stops it first.
 */

const POLL_MS = 50;

export interface StopLeftoverPackersOptions {
  /** Where the process table is read from. Default /proc. */
  readonly procRoot?: string;
  /** How long a packer gets to exit after SIGTERM before SIGKILL. Default 5 s. */
  readonly graceMs?: number;
}

/**
 * Stops every tar still creating one of `partialArchives` (found by `--create` and
 * `--file=<partial>` in its command line) and waits until it is gone; its compressor then reads
 * the end of its input and exits too. Returns the process ids it stopped.
 *
 * @example
 * await stopLeftoverPackers(["/scratch/alpha-1c0e5b2a.tar.zst.partial"]); // [48213]
 */
export async function stopLeftoverPackers(
  partialArchives: readonly string[],
  options: StopLeftoverPackersOptions = {},
): Promise<number[]> {
  const procRoot = options.procRoot ?? "/proc";
  const fileArguments = new Set(partialArchives.map((partial) => `--file=${partial}`));
  const found: number[] = [];
  for (const name of await readdir(procRoot)) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const args = await readFile(path.join(procRoot, name, "cmdline"), "utf8").then(
      (text) => text.split("\0"),
      () => null,
    );
    if (args?.includes("--create") && args.some((arg) => fileArguments.has(arg))) {
      found.push(Number(name));
    }
  }
  for (const pid of found) signal(pid, "SIGTERM");
  const deadline = Date.now() + (options.graceMs ?? 5_000);
  let running = await stillRunning(procRoot, found);
  while (running.length > 0 && Date.now() < deadline) {
    await sleep(POLL_MS);
    running = await stillRunning(procRoot, running);
  }
  for (const pid of running) signal(pid, "SIGKILL");
  return found;
}

/**
 * The processes that have not exited. A zombie has: an orphan's zombie waits for PID 1 to reap
 * it, which in some containers never happens.
 */
async function stillRunning(procRoot: string, pids: readonly number[]): Promise<number[]> {
  const running: number[] = [];
  for (const pid of pids) {
    const stat = await readFile(path.join(procRoot, String(pid), "stat"), "utf8").catch(() => null);
    // The state follows the command name in parentheses, which may itself hold ") ".
    const state = stat?.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state !== undefined && state !== "Z" && state !== "X") running.push(pid);
  }
  return running;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
