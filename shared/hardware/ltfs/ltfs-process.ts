import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LtfsStillRunningError } from "./errors.ts";

/*
 * `umount` of an LTFS mount can return before the daemon has finished: the index is complete
 * only when the ltfs process has exited (LTFS issues #202, #381, #400). A tape must not be
 * unloaded earlier, so the process serving a mount is found by its command line in /proc and
 * watched until it is gone. A zombie (state Z) has exited: only its parent has not reaped it yet.
 */

/** An ltfs process serving one device at one mount point. */
export interface LtfsProcess {
  readonly pid: number;
  /** Its command line, e.g. ["ltfs", "-o", "devname=/dev/sg3", "/mnt/ltfs0"]. */
  readonly args: readonly string[];
}

export interface LtfsProcessQuery {
  readonly device: string;
  readonly mountPoint: string;
  /** Where the process table is read from; tests point this at a folder of their own. */
  readonly procRoot?: string;
}

export interface WaitForLtfsExitOptions extends LtfsProcessQuery {
  /** Give up (LtfsStillRunningError) after this long. Default 10 minutes. */
  readonly timeoutMs?: number;
  readonly pollIntervalMs?: number;
}

export interface LtfsExit {
  /** The processes that were found serving the mount and have now exited (empty when none ran). */
  readonly pids: readonly number[];
  readonly waitedMs: number;
}

const DEFAULT_EXIT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_POLL_INTERVAL_MS = 50;

/**
 * The running (not zombie) processes whose command line mounts `device` at `mountPoint`:
 * a `devname=<device>` mount option and the mount point as an argument.
 *
 * @example
 * await findLtfsProcesses({ device: "/dev/sg3", mountPoint: "/mnt/ltfs0" })
 * // [{ pid: 26055, args: ["ltfs", "-o", "devname=/dev/sg3", "/mnt/ltfs0"] }]
 */
export async function findLtfsProcesses(query: LtfsProcessQuery): Promise<LtfsProcess[]> {
  const procRoot = query.procRoot ?? "/proc";
  const pids = (await readdir(procRoot))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid);
  const found: LtfsProcess[] = [];
  for (const pid of pids) {
    const args = await readCommandLine(procRoot, pid);
    if (!args || !commandLineServes(args, query.device, query.mountPoint)) continue;
    if (await hasExited(procRoot, pid, args)) continue;
    found.push({ pid, args });
  }
  return found;
}

/**
 * Waits until every ltfs process serving `device` at `mountPoint` has exited. Returns at once
 * when none runs; throws LtfsStillRunningError when one outlives the timeout.
 *
 * @example
 * await waitForLtfsExit({ device: "/dev/sg3", mountPoint: "/mnt/ltfs0" }) // { pids: [26055], waitedMs: 4 }
 */
export async function waitForLtfsExit(options: WaitForLtfsExitOptions): Promise<LtfsExit> {
  const procRoot = options.procRoot ?? "/proc";
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXIT_TIMEOUT_MS;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const started = performance.now();
  const found = await findLtfsProcesses(options);
  let running = found;
  while (running.length > 0) {
    const waitedMs = performance.now() - started;
    if (waitedMs >= timeoutMs) {
      throw new LtfsStillRunningError(
        running.map((p) => p.pid),
        waitedMs,
        { device: options.device, mountPoint: options.mountPoint },
      );
    }
    await sleep(Math.min(pollIntervalMs, timeoutMs - waitedMs));
    const stillRunning: LtfsProcess[] = [];
    for (const candidate of running) {
      if (!(await hasExited(procRoot, candidate.pid, candidate.args))) stillRunning.push(candidate);
    }
    running = stillRunning;
  }
  return { pids: found.map((p) => p.pid), waitedMs: Math.round(performance.now() - started) };
}

/**
 * Whether a command line mounts `device` at `mountPoint`: `-o devname=<device>` (also inside a
 * comma list or written `-odevname=…`) and the mount point as a plain argument.
 */
export function commandLineServes(
  args: readonly string[],
  device: string,
  mountPoint: string,
): boolean {
  const wantedMountPoint = normalizePath(mountPoint);
  const options = args.flatMap((arg, index) => {
    if (arg === "-o") return (args[index + 1] ?? "").split(",");
    if (arg.startsWith("-o")) return arg.slice(2).split(",");
    return [];
  });
  const namesDevice = options.some(
    (option) =>
      option.startsWith("devname=") && sameDevice(option.slice("devname=".length), device),
  );
  const namesMountPoint = args
    .slice(1)
    .some((arg, index) => args[index] !== "-o" && normalizePath(arg) === wantedMountPoint);
  return namesDevice && namesMountPoint;
}

/** The process's arguments, or null when it is gone or has none (kernel threads, zombies). */
async function readCommandLine(procRoot: string, pid: number): Promise<string[] | null> {
  const raw = await readProcFile(procRoot, pid, "cmdline");
  if (!raw) return null;
  const args = raw.split("\0");
  if (args.at(-1) === "") args.pop();
  return args.length > 0 ? args : null;
}

/** Gone, a zombie, or replaced by another program under a reused pid. */
async function hasExited(procRoot: string, pid: number, args: readonly string[]): Promise<boolean> {
  const stat = await readProcFile(procRoot, pid, "stat");
  // The state follows the command name, which is in parentheses and may itself contain them.
  const state = stat?.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  if (!state || state === "Z" || state === "X") return true;
  const current = await readCommandLine(procRoot, pid);
  return current === null || current.join("\0") !== args.join("\0");
}

async function readProcFile(procRoot: string, pid: number, name: string): Promise<string | null> {
  try {
    return await readFile(path.join(procRoot, String(pid), name), "utf8");
  } catch {
    // The process ended while the table was read (ENOENT, ESRCH): it is not running.
    return null;
  }
}

function sameDevice(a: string, b: string): boolean {
  return (
    a === b || (path.isAbsolute(a) && path.isAbsolute(b) && normalizePath(a) === normalizePath(b))
  );
}

function normalizePath(value: string): string {
  return path.posix.normalize(value).replace(/(.)\/+$/, "$1");
}
