import fs from "node:fs";
import path from "node:path";

/** How a process uses a file or file system, as fuser's ACCESS column shows it. */
export interface ProcessAccess {
  /** An open file descriptor (F when opened for writing). */
  file: boolean;
  fileWritable: boolean;
  /** Its root directory. */
  root: boolean;
  /** Its current directory. */
  cwd: boolean;
  /** Its executable. */
  exe: boolean;
  /** A mapped file (shared library). */
  mmap: boolean;
}

/** One process found using a target. */
export interface ProcessUse {
  readonly pid: number;
  readonly uid: number;
  /** Its command name (/proc/<pid>/stat). */
  readonly command: string;
  readonly access: ProcessAccess;
}

/**
 * What to look for: with `mount`, anything on the file system `device`; otherwise the one file
 * `device` + `inode`, as fuser does with and without -m.
 */
export interface ScanTarget {
  readonly device: bigint;
  readonly inode: bigint;
  readonly mount: boolean;
  /**
   * The name as given (expanded). With -m psmisc counts an open file only if its path starts
   * with this name, unless the name is a block device.
   */
  readonly name: string;
  readonly nameIsBlockDevice: boolean;
}

/** "major:minor" of a device number as libuv encodes it (glibc's makedev). */
export function majorMinorOf(device: bigint): string {
  const major = ((device >> 8n) & 0xfffn) | ((device >> 32n) & ~0xfffn);
  const minor = (device & 0xffn) | ((device >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

function statQuietly(file: string): fs.BigIntStats | null {
  try {
    return fs.statSync(file, { bigint: true });
  } catch {
    return null;
  }
}

function readQuietly(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function matches(target: ScanTarget, device: bigint, inode: bigint): boolean {
  return target.mount
    ? device === target.device
    : device === target.device && inode === target.inode;
}

function emptyAccess(): ProcessAccess {
  return { file: false, fileWritable: false, root: false, cwd: false, exe: false, mmap: false };
}

function anyAccess(access: ProcessAccess): boolean {
  return access.file || access.root || access.cwd || access.exe || access.mmap;
}

/** The fd's link in /proc carries the open mode in its permission bits (w: open for writing). */
function openedForWriting(link: string): boolean {
  try {
    return (fs.lstatSync(link).mode & 0o200) !== 0;
  } catch {
    return false;
  }
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ELOOP: "Too many levels of symbolic links",
};

/** How one process uses each of the targets (one ProcessAccess per target). */
function accessOf(
  pid: number,
  targets: readonly ScanTarget[],
  warn: (text: string) => void,
): ProcessAccess[] {
  const accesses = targets.map(() => emptyAccess());
  const proc = `/proc/${pid}`;
  for (const [link, key] of [
    ["exe", "exe"],
    ["root", "root"],
    ["cwd", "cwd"],
  ] as const) {
    const stats = statQuietly(path.join(proc, link));
    if (stats === null) continue;
    targets.forEach((target, index) => {
      if (matches(target, stats.dev, stats.ino)) (accesses[index] as ProcessAccess)[key] = true;
    });
  }
  let fds: string[] = [];
  try {
    // In the kernel's (numeric) order: Node's readdir sorts names as strings.
    fds = fs.readdirSync(path.join(proc, "fd")).sort((a, b) => Number(a) - Number(b));
  } catch {
    // Gone, or not ours to look at.
  }
  for (const fd of fds) {
    const link = path.join(proc, "fd", fd);
    let stats: fs.BigIntStats;
    try {
      stats = fs.statSync(link, { bigint: true });
    } catch (error) {
      // psmisc reports what it may not look at (e.g. PID 1's descriptors in a container).
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (code !== "ENOENT" && code !== "ENOTDIR") {
        warn(`Cannot stat file ${link}: ${ERRNO_TEXT[code] ?? code}\n`);
      }
      continue;
    }
    targets.forEach((target, index) => {
      if (!matches(target, stats.dev, stats.ino)) return;
      if (target.mount && !target.nameIsBlockDevice && !stats.isSocket()) {
        let linked = link;
        try {
          linked = fs.readlinkSync(link);
        } catch {
          // Compared as psmisc does: with the /proc path itself.
        }
        if (!linked.startsWith(target.name)) return;
      }
      const access = accesses[index] as ProcessAccess;
      access.file = true;
      if (openedForWriting(link)) access.fileWritable = true;
    });
  }
  for (const line of (readQuietly(path.join(proc, "maps")) ?? "").split("\n")) {
    const fields = line.trim().split(/\s+/);
    const [major, minor] = (fields[3] ?? "").split(":");
    const inode = fields[4];
    if (major === undefined || minor === undefined || inode === undefined) continue;
    if (!/^\d+$/.test(inode)) continue;
    const device = `${Number.parseInt(major, 16)}:${Number.parseInt(minor, 16)}`;
    targets.forEach((target, index) => {
      if (device !== majorMinorOf(target.device)) return;
      if (target.mount || BigInt(inode) === target.inode) {
        (accesses[index] as ProcessAccess).mmap = true;
      }
    });
  }
  return accesses;
}

function commandOf(pid: number): string {
  const stat = readQuietly(`/proc/${pid}/stat`) ?? "";
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  return open >= 0 && close > open ? stat.slice(open + 1, close) : "???";
}

/** The owner of /proc/<pid>, which psmisc takes as the process's user. */
function uidOf(pid: number): number {
  const stats = statQuietly(`/proc/${pid}`);
  return stats === null ? 0 : Number(stats.uid);
}

/**
 * For each target, the processes using it, in /proc order: through their current or root
 * directory, executable, open files or mapped files. Pids in `skip` (fuser itself, the
 * simulated LTFS daemons) are left out. Like psmisc, /proc is read once for all targets.
 */
export function scanProcesses(
  targets: readonly ScanTarget[],
  skip: ReadonlySet<number>,
  warn: (text: string) => void,
): ProcessUse[][] {
  const found: ProcessUse[][] = targets.map(() => []);
  if (targets.length === 0) return found;
  const pids = fs
    .readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  for (const pid of pids) {
    if (skip.has(pid)) continue;
    const accesses = accessOf(pid, targets, warn);
    accesses.forEach((access, index) => {
      if (anyAccess(access)) {
        (found[index] as ProcessUse[]).push({
          pid,
          uid: uidOf(pid),
          command: commandOf(pid),
          access,
        });
      }
    });
  }
  return found;
}
