import fs from "node:fs";
import { constants } from "node:os";
import path from "node:path";
import { STATE_ENV_VARIABLE } from "../install-bin.ts";
import type { ToolOutput } from "../ltfs/ltfs-log.ts";
import { decodeMountField } from "../ltfs/mount-info.ts";
import { readMountRecordFile } from "../ltfs/mount-record.ts";
import { type ProcessUse, type ScanTarget, scanProcesses } from "./process-scan.ts";

/** psmisc's NAME_FIELD: file names are padded to this width. */
const NAME_FIELD = 20;

const USAGE = `Usage: fuser [-fIMuvw] [-a|-s] [-4|-6] [-c|-m|-n SPACE]
             [-k [-i] [-SIGNAL]] NAME...
       fuser -l
       fuser -V
Show which processes use the named files, sockets, or filesystems.

  -a,--all              display unused files too
  -i,--interactive      ask before killing (ignored without -k)
  -I,--inode            use always inodes to compare files
  -k,--kill             kill processes accessing the named file
  -l,--list-signals     list available signal names
  -m,--mount            show all processes using the named filesystems or
                        block device
  -M,--ismountpoint     fulfill request only if NAME is a mount point
  -n,--namespace SPACE  search in this name space (file, udp, or tcp)
  -s,--silent           silent operation
  -SIGNAL               send this signal instead of SIGKILL
  -u,--user             display user IDs
  -v,--verbose          verbose output
  -w,--writeonly        kill only processes with write access
  -V,--version          display version information
  -4,--ipv4             search IPv4 sockets only
  -6,--ipv6             search IPv6 sockets only
  -                     reset options

  udp/tcp names: [local_port][,[rmt_host][,[rmt_port]]]

`;

const LONG_OPTIONS: Readonly<Record<string, string>> = {
  all: "a",
  kill: "k",
  interactive: "i",
  inode: "I",
  "list-signals": "l",
  mount: "m",
  ismountpoint: "M",
  namespace: "n",
  silent: "s",
  user: "u",
  verbose: "v",
  writeonly: "w",
  version: "V",
  ipv4: "4",
  ipv6: "6",
};

interface FuserOptions {
  all: boolean;
  kill: boolean;
  interactive: boolean;
  mount: boolean;
  isMountPoint: boolean;
  silent: boolean;
  user: boolean;
  verbose: boolean;
  writeOnly: boolean;
  signal: number;
}

/** One name from the command line and what uses it. */
interface NamedTarget {
  readonly name: string;
  readonly processes: readonly ProcessUse[];
  /** The mount point of the file system, listed by -v as "kernel mount <path>". */
  readonly kernelMount: string | null;
}

class UsageError extends Error {}

const KILL_ERRORS: Readonly<Record<string, string>> = {
  ESRCH: "No such process",
  EPERM: "Operation not permitted",
};

function signalNumber(spec: string): number | null {
  if (/^\d+$/.test(spec)) return Number(spec);
  const name = spec.startsWith("SIG") ? spec : `SIG${spec}`;
  return (constants.signals as Record<string, number>)[name] ?? null;
}

function parseArgs(args: readonly string[]): { options: FuserOptions; names: string[] } | string {
  const options: FuserOptions = {
    all: false,
    kill: false,
    interactive: false,
    mount: false,
    isMountPoint: false,
    silent: false,
    user: false,
    verbose: false,
    writeOnly: false,
    signal: constants.signals.SIGKILL,
  };
  const names: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (!arg.startsWith("-") || arg === "-") {
      if (arg !== "-") names.push(arg);
      continue;
    }
    if (arg === "--") {
      names.push(...args.slice(index + 1));
      break;
    }
    let letters = arg.slice(1);
    if (arg.startsWith("--")) {
      const letter = LONG_OPTIONS[arg.slice(2)];
      if (letter === undefined) return `fuser: Invalid option ${arg}`;
      letters = letter;
    }
    for (let position = 0; position < letters.length; position += 1) {
      const letter = letters[position] as string;
      switch (letter) {
        case "a":
          options.all = true;
          break;
        case "c":
        case "m":
          options.mount = true;
          break;
        case "M":
          options.isMountPoint = true;
          break;
        case "k":
          options.kill = true;
          break;
        case "i":
          options.interactive = true;
          break;
        case "s":
          options.silent = true;
          break;
        case "u":
          options.user = true;
          break;
        case "v":
          options.verbose = true;
          break;
        case "w":
          options.writeOnly = true;
          break;
        case "n":
          index += 1; // only the file name space is simulated
          break;
        case "f":
        case "I":
        case "4":
        case "6":
          break;
        case "h":
          throw new UsageError();
        default: {
          if (/[A-Z0-9]/.test(letter)) {
            const signal = signalNumber(letters.slice(position));
            if (signal === null)
              return `${letters.slice(position)}: unknown signal; fuser -l lists signals.`;
            options.signal = signal;
            position = letters.length;
            break;
          }
          return `fuser: Invalid option ${letter}`;
        }
      }
    }
  }
  return { options, names };
}

/** The pids of the simulated LTFS daemons, which never count as users of their own mounts. */
function ltfsDaemonPids(env: NodeJS.ProcessEnv): Set<number> {
  const pids = new Set<number>();
  const stateDir = env[STATE_ENV_VARIABLE];
  if (!stateDir) return pids;
  let files: string[] = [];
  try {
    files = fs.readdirSync(path.join(stateDir, "run"));
  } catch {
    return pids;
  }
  for (const file of files) {
    const driveIndex = /^drive(\d+)\.json$/.exec(file)?.[1];
    if (driveIndex === undefined) continue;
    const record = readMountRecordFile(stateDir, Number(driveIndex));
    if (record !== null) pids.add(record.pid);
  }
  return pids;
}

function mountPoints(): string[] {
  try {
    return fs
      .readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((line) => line.split(" ")[1])
      .filter((field): field is string => field !== undefined && field !== "")
      .map(decodeMountField);
  } catch {
    return [];
  }
}

function userName(uid: number, passwd: ReadonlyMap<number, string>): string {
  return passwd.get(uid) ?? "(unknown)";
}

function readPasswd(): Map<number, string> {
  const users = new Map<number, string>();
  try {
    for (const line of fs.readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [name, , uid] = line.split(":");
      if (name && uid && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
    }
  } catch {
    // No passwd: every user shows as (unknown).
  }
  return users;
}

/** What a name stands for: a file (or with -m its file system), or null when it cannot be read. */
function targetOf(name: string, options: FuserOptions, output: ToolOutput): ScanTarget | null {
  let stats: fs.BigIntStats;
  try {
    stats = fs.statSync(name, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") output.stderr(`Specified filename ${name} does not exist.\n`);
    else output.stderr(`Cannot stat ${name}: ${(error as Error).message}\n`);
    return null;
  }
  return {
    device: options.mount && stats.isBlockDevice() ? stats.rdev : stats.dev,
    inode: stats.ino,
    mount: options.mount,
    name,
    nameIsBlockDevice: stats.isBlockDevice(),
  };
}

/** The first mount point whose file system is the target's (-m) or that is the target itself. */
function kernelMountOf(target: ScanTarget, points: readonly string[]): string | null {
  for (const point of points) {
    let stats: fs.BigIntStats;
    try {
      stats = fs.statSync(point, { bigint: true });
    } catch {
      continue;
    }
    if (stats.dev !== target.device) continue;
    if (!target.mount && stats.ino !== target.inode) continue;
    return point;
  }
  return null;
}

/**
 * The simulated `fuser` (psmisc): finds the processes using a file, or with -m anything on the
 * file system of a path (their current or root directory, executable, open or mapped files),
 * and with -k sends them SIGKILL (or -SIGNAL). As psmisc: the pids go to stdout, the name,
 * access letters and the -v table to stderr; exit 0 when something matched (or was killed),
 * 1 otherwise. The simulated LTFS daemons are never reported.
 */
export function runFuser(
  args: readonly string[],
  output: ToolOutput,
  env: NodeJS.ProcessEnv = process.env,
): number {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(args);
  } catch {
    output.stderr(USAGE);
    return 1;
  }
  if (typeof parsed === "string") {
    output.stderr(`${parsed}\n${USAGE}`);
    return 1;
  }
  const { options, names } = parsed;
  if (names.length === 0) {
    output.stderr(`No process specification given\n${USAGE}`);
    return 1;
  }
  if (options.silent) {
    options.verbose = false;
    options.user = false;
  }
  const points = mountPoints();
  let named = names.map((given) => {
    let name = given;
    try {
      name = fs.realpathSync(given);
    } catch {
      // Printed as given, as psmisc does when it cannot expand the path.
    }
    return { name, target: targetOf(name, options, output) };
  });
  if (options.isMountPoint) {
    named = named.filter(({ name }) => {
      if (points.includes(name)) return true;
      output.stderr(`Specified filename ${name} is not a mountpoint.\n`);
      return false;
    });
  }
  const skip = new Set([process.pid, ...ltfsDaemonPids(env)]);
  const readable = named.flatMap(({ target }) => (target === null ? [] : [target]));
  const users = scanProcesses(readable, skip, output.stderr);
  const targets: NamedTarget[] = named.map(({ name, target }) => {
    if (target === null) return { name, processes: [], kernelMount: null };
    return {
      name,
      processes: users[readable.indexOf(target)] ?? [],
      kernelMount: kernelMountOf(target, points),
    };
  });
  return printAndKill(targets, options, output);
}

function printAndKill(
  targets: readonly NamedTarget[],
  options: FuserOptions,
  output: ToolOutput,
): number {
  const passwd = options.verbose || options.user ? readPasswd() : new Map<number, string>();
  let headerPrinted = false;
  let matched = false;
  let killed = false;
  for (const target of targets) {
    if (options.silent) {
      if (target.processes.length > 0) matched = true;
    } else {
      const listed = options.verbose
        ? target.processes.length > 0 || target.kernelMount !== null
        : target.processes.length > 0;
      let width = 0;
      if (listed || options.all) {
        if (options.verbose && !headerPrinted) {
          output.stderr(`${" ".repeat(NAME_FIELD)} USER        PID ACCESS COMMAND\n`);
          headerPrinted = true;
        }
        output.stderr(`${target.name}:`);
        width = target.name.length + 1;
      }
      const pad = () => {
        if (width < NAME_FIELD) output.stderr(" ".repeat(NAME_FIELD - width));
        width = 0;
      };
      let first = true;
      if (options.verbose && target.kernelMount !== null) {
        matched = true;
        if (width > NAME_FIELD) {
          output.stderr("\n");
          width = 0;
        }
        pad();
        output.stderr(` ${"root".padEnd(8)} `);
        output.stdout("kernel");
        output.stderr(` mount ${target.kernelMount}\n`);
        first = false;
      }
      for (const use of target.processes) {
        matched = true;
        if (options.verbose && width > NAME_FIELD) {
          output.stderr("\n");
          width = 0;
        }
        if (options.verbose || first) pad();
        const user = userName(use.uid, passwd);
        if (options.verbose) output.stderr(` ${user.padEnd(8)} `);
        output.stdout(` ${String(use.pid).padStart(5)}`);
        const { access } = use;
        if (options.verbose) {
          output.stderr(
            ` ${access.file ? (access.fileWritable ? "F" : "f") : "."}${access.root ? "r" : "."}${access.cwd ? "c" : "."}${access.exe ? "e" : "."}${access.mmap && !access.exe ? "m" : "."} `,
          );
        } else {
          output.stderr(
            `${access.root ? "r" : ""}${access.cwd ? "c" : ""}${access.exe ? "e" : access.mmap ? "m" : ""}`,
          );
        }
        if (options.user) output.stderr(`(${user})`);
        if (options.verbose) output.stderr(`${use.command}\n`);
        first = false;
        width = 0;
      }
      if (options.verbose) {
        if (target.processes.length === 0 && target.kernelMount === null && options.all) {
          output.stderr("\n");
        }
      } else if (listed || options.all) {
        output.stderr("\n");
      }
    }
    if (options.kill) killed = killUsers(target.processes, options, output) || killed;
  }
  if (options.kill) return killed ? 0 : 1;
  return matched ? 0 : 1;
}

function killUsers(
  processes: readonly ProcessUse[],
  options: FuserOptions,
  output: ToolOutput,
): boolean {
  let killed = false;
  for (const user of processes) {
    if (user.pid === process.pid) continue;
    if (options.writeOnly && !user.access.fileWritable) continue;
    // -i would ask on the terminal; nobody answers a simulated tool, so the answer is no.
    if (options.interactive) continue;
    try {
      process.kill(user.pid, options.signal);
      killed = true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      output.stderr(`Could not kill process ${user.pid}: ${KILL_ERRORS[code] ?? code}\n`);
    }
  }
  return killed;
}
