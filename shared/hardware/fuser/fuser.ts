import { runCommand } from "../../exec/index.ts";
import { FuserFailedError, FuserKillFailedError } from "./errors.ts";
import { type FuserEntry, parseFuserVerboseStreams } from "./parse-fuser.ts";

export interface FuserRequest {
  /** Command name or path of psmisc's fuser. */
  readonly fuserPath: string;
  readonly mountPoint: string;
  readonly timeoutMs?: number;
  /** Runs the command; tests pass a fake. */
  readonly run?: typeof runCommand;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const KILL_FAILED = /Could not kill process (\d+): (.*)$/;
const PROC_NOISE = /^Cannot stat file \/proc\//;

/**
 * Ends (SIGKILL) every process using the file system mounted at `mountPoint`:
 * `fuser -km <mountPoint>`. fuser exits 1 when nobody used it, which is success here.
 *
 * @example
 * await killUsersOf({ fuserPath: "fuser", mountPoint: "/mnt/ltfs0" }) // { killedPids: [2662] }
 */
export async function killUsersOf(request: FuserRequest): Promise<{ killedPids: number[] }> {
  const run = request.run ?? runCommand;
  const result = await run(request.fuserPath, ["-km", request.mountPoint], {
    timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  // Without -v fuser prints the pids on stdout and "<name>: <access letters>" on stderr.
  const pids = result.stdout
    .split(/\s+/)
    .filter((token) => /^\d+$/.test(token))
    .map(Number);
  const lines = result.stderr.split("\n").filter((line) => line.trim() !== "");
  const failures = lines.flatMap((line) => {
    const match = KILL_FAILED.exec(line);
    return match ? [{ pid: Number(match[1]), reason: match[2] ?? "" }] : [];
  });
  if (failures.length > 0) throw new FuserKillFailedError(request.mountPoint, failures);
  // "<mountpoint>: c e" lists the access of each process; "Cannot stat file /proc/…" is noise
  // from processes fuser may not inspect (containers); anything else means fuser failed.
  const problems = lines.filter(
    (line) => !line.startsWith(`${request.mountPoint}:`) && !PROC_NOISE.test(line),
  );
  if (result.exitCode === 0 || (result.exitCode === 1 && problems.length === 0)) {
    return { killedPids: pids };
  }
  throw new FuserFailedError(request.mountPoint, result.exitCode, problems);
}

/**
 * Who uses the file system mounted at `mountPoint`: `fuser -vm <mountPoint>`, parsed. The
 * kernel's own mount entry is included (pid null). Empty when nobody does (fuser exits 1).
 *
 * @example
 * await listUsersOf({ fuserPath: "fuser", mountPoint: "/mnt/ltfs0" })
 * // [{ path: "/mnt/ltfs0", user: "root", pid: null, access: "mount", command: "/mnt/ltfs0" }, …]
 */
export async function listUsersOf(request: FuserRequest): Promise<FuserEntry[]> {
  const run = request.run ?? runCommand;
  const result = await run(request.fuserPath, ["-vm", request.mountPoint], {
    timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  if (result.exitCode === 0) return parseFuserVerboseStreams(result.stdout, result.stderr);
  const lines = result.stderr
    .split("\n")
    .filter((line) => line.trim() !== "" && !PROC_NOISE.test(line));
  if (result.exitCode === 1 && lines.length === 0) return [];
  throw new FuserFailedError(request.mountPoint, result.exitCode, lines);
}
