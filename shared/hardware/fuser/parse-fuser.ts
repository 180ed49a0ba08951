import { FuserOutputUnparseableError } from "./errors.ts";

/** One process (or the kernel itself) using a file or file system. */
export interface FuserEntry {
  /** The name fuser was asked about, as it printed it. */
  readonly path: string;
  readonly user: string;
  /** Null for the kernel's own use of the file system (a mount, knfsd, swap). */
  readonly pid: number | null;
  /**
   * psmisc's five access flags ("..c.." = current directory; f/F open file, r root, e executable,
   * m mapped), or "mount", "knfsd", "swap" for the kernel's entries.
   */
  readonly access: string;
  /** The process name, or for a kernel mount entry what is mounted. */
  readonly command: string;
}

const HEADER = /^\s*USER\s+PID\s+ACCESS\s+COMMAND\s*$/;
/**
 * Diagnostics psmisc prints on stderr while it scans, e.g. "Cannot stat file /proc/1/fd/3:
 * Permission denied" (common in containers), "Could not kill process 12: …".
 */
const DIAGNOSTIC = /^(Cannot stat |Cannot open |Could not kill process |Specified filename )/;
// A name line starts at column 0 with "<name>:"; entries follow after padding to column 20.
const NAME_PREFIX = /^(\S.*?):(?=\s|$)(.*)$/;
const MERGED_ENTRY = /^\s*(\S+)\s+(kernel|\d+)\s+(\S+)(?:\s+(.*))?$/;
const STDERR_ENTRY = /^\s*(\S+)\s+(\S+)(?:\s+(.*))?$/;

/**
 * Parses `fuser -v` output as a terminal shows it (stdout and stderr merged):
 *
 * ```
 *                      USER        PID ACCESS COMMAND
 * /var/www/html:       root     kernel mount /media/zhangsan
 *                      root       2662 ..c.. bash
 * ```
 *
 * @example
 * parseFuserVerbose(text)[1] // { path: "/var/www/html", user: "root", pid: 2662, access: "..c..", command: "bash" }
 */
export function parseFuserVerbose(text: string): FuserEntry[] {
  return parseLines(text, (rest, line) => {
    const match = MERGED_ENTRY.exec(rest);
    if (!match) throw new FuserOutputUnparseableError(line, "expected user, pid, access, command");
    const [, user = "", pid = "", access = "", command = ""] = match;
    return { user, pid: pid === "kernel" ? null : Number(pid), access, command };
  });
}

/**
 * Parses `fuser -v` output captured as two streams. psmisc prints only the pids (and "kernel")
 * on stdout and everything else on stderr, so the two are put back together in order.
 *
 * @example
 * parseFuserVerboseStreams("kernel  2662", stderrText)[1]?.pid // 2662
 */
export function parseFuserVerboseStreams(stdout: string, stderr: string): FuserEntry[] {
  const pids = stdout.split(/\s+/).filter((token) => token !== "");
  let next = 0;
  const entries = parseLines(stderr, (rest, line) => {
    const match = STDERR_ENTRY.exec(rest);
    if (!match) throw new FuserOutputUnparseableError(line, "expected user, access, command");
    const pid = pids[next++];
    if (pid === undefined || (pid !== "kernel" && !/^\d+$/.test(pid))) {
      throw new FuserOutputUnparseableError(line, "no pid for it on stdout");
    }
    const [, user = "", access = "", command = ""] = match;
    return { user, pid: pid === "kernel" ? null : Number(pid), access, command };
  });
  if (next !== pids.length) {
    throw new FuserOutputUnparseableError(stdout, "more pids on stdout than entries on stderr");
  }
  return entries;
}

function parseLines(
  text: string,
  parseEntry: (rest: string, line: string) => Omit<FuserEntry, "path">,
): FuserEntry[] {
  const entries: FuserEntry[] = [];
  let path: string | null = null;
  // The report starts with its header; what comes before it is scan diagnostics.
  let inReport = false;
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/\r$/, "");
    if (line.trim() === "" || DIAGNOSTIC.test(line)) continue;
    if (HEADER.test(line)) {
      inReport = true;
      continue;
    }
    if (!inReport)
      throw new FuserOutputUnparseableError(line, "no USER PID ACCESS COMMAND header before it");
    let rest = line;
    const named = NAME_PREFIX.exec(line);
    if (named) {
      path = named[1] ?? "";
      rest = named[2] ?? "";
      // A name longer than the 20-column field stands alone; its entries follow.
      if (rest.trim() === "") continue;
    }
    if (path === null) throw new FuserOutputUnparseableError(line, "an entry before any name");
    entries.push({ path, ...parseEntry(rest, line) });
  }
  return entries;
}
