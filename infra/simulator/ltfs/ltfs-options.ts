/** What `ltfs` was asked to do. Options the simulator has no use for are accepted and ignored. */
export interface LtfsOptions {
  readonly devname: string | null;
  readonly mountPoint: string | null;
  /** `-f` (or `-d`, which implies it): stay in the foreground, log to stderr. */
  readonly foreground: boolean;
  /** `-o ro`. */
  readonly readOnly: boolean;
  /** `-o nonempty`: FUSE mounts over a non-empty directory. */
  readonly nonEmpty: boolean;
  readonly quiet: boolean;
  /** `-o sync_type=…`; default "time@5". */
  readonly syncType: string;
  readonly version: boolean;
  readonly help: boolean;
  /** Every `-o` option in order, for the record. */
  readonly mountOptions: readonly string[];
}

/**
 * Reads an ltfs command line the way FUSE does: `-o a,b` or `-oa,b` (repeatable), `-f`, `-d`,
 * `-s`, `-h`, `-V`, and the first other argument as the mount point.
 *
 * @example
 * parseLtfsOptions(["-o", "devname=/srv/sim/drives/0", "-o", "ro", "/mnt/ltfs0"]).readOnly // true
 */
export function parseLtfsOptions(args: readonly string[]): LtfsOptions {
  const mountOptions: string[] = [];
  let mountPoint: string | null = null;
  let foreground = false;
  let version = false;
  let help = false;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === "-o") {
      mountOptions.push(...(args[index + 1] ?? "").split(",").filter((option) => option !== ""));
      index += 1;
    } else if (arg.startsWith("-o")) {
      mountOptions.push(
        ...arg
          .slice(2)
          .split(",")
          .filter((option) => option !== ""),
      );
    } else if (arg === "-f" || arg === "-d" || arg === "--debug") {
      foreground = true;
    } else if (arg === "-V" || arg === "--version") {
      version = true;
    } else if (arg === "-h" || arg === "--help" || arg === "-a") {
      help = true;
    } else if (arg.startsWith("-")) {
      // -s (single-threaded) and the like change nothing here.
    } else if (mountPoint === null) {
      mountPoint = arg;
    }
  }
  const value = (name: string): string | null => {
    let found: string | null = null;
    for (const option of mountOptions) {
      if (option.startsWith(`${name}=`)) found = option.slice(name.length + 1);
    }
    return found;
  };
  return {
    devname: value("devname"),
    mountPoint,
    foreground: foreground || mountOptions.includes("debug"),
    readOnly:
      mountOptions.includes("ro") &&
      mountOptions.lastIndexOf("ro") > mountOptions.lastIndexOf("rw"),
    nonEmpty: mountOptions.includes("nonempty"),
    quiet: mountOptions.includes("quiet") || value("verbose") === "1",
    syncType: value("sync_type") ?? "time@5",
    version,
    help,
    mountOptions,
  };
}

/** LTFS14063I / LTFS14064I for the sync type, as ltfs prints it at start. */
export function syncTypeMessage(syncType: string): { id: string; text: string } {
  const minutes = /^time@(\d+)$/.exec(syncType)?.[1];
  if (minutes !== undefined && Number(minutes) > 0) {
    return { id: "14063I", text: `Sync type is "time", Sync time is ${Number(minutes) * 60} sec.` };
  }
  if (syncType === "close") return { id: "14064I", text: 'Sync type is "close".' };
  return { id: "14064I", text: 'Sync type is "unmount".' };
}
