import { getoptLong, hasOption, lastValue, type OptionSpec } from "./getopt.ts";
import { LTFS_COMMON_OPTIONS } from "./ltfs-common-options.ts";

/** What `ltfsck` was asked to do. Backend, trace and traversal options are accepted and ignored. */
export interface LtfsckOptions {
  readonly device: string | null;
  /** `-f`: keep data written after the last index in /_ltfs_lostandfound. */
  readonly fullRecovery: boolean;
  /** `-l`: list the rollback points (index generations) on stdout. */
  readonly listRollbackPoints: boolean;
  /** `-m`: with -l, the full index information. */
  readonly fullIndexInfo: boolean;
  /** `-r -g N`: roll back to generation N. */
  readonly rollback: boolean;
  readonly generation: string | null;
  readonly quiet: boolean;
  readonly version: boolean;
  readonly help: boolean;
}

const LTFSCK_OPTIONS: readonly OptionSpec[] = [
  { key: "generation", short: "g", long: "generation", takesValue: true },
  { key: "rollback", short: "r", long: "rollback", takesValue: false },
  { key: "no-rollback", short: "n", long: "no-rollback", takesValue: false },
  { key: "full-recovery", short: "f", long: "full-recovery", takesValue: false },
  { key: "deep-recovery", short: "z", long: "deep-recovery", takesValue: false },
  { key: "list", short: "l", long: "list-rollback-points", takesValue: false },
  { key: "full-index-info", short: "m", long: "full-index-info", takesValue: false },
  { key: "traverse", short: "v", long: "traverse", takesValue: true },
  { key: "erase-history", short: "j", long: "erase-history", takesValue: false },
  { key: "keep-history", short: "k", long: "keep-history", takesValue: false },
  ...LTFS_COMMON_OPTIONS,
  { key: "fulltrace", short: "x", long: "fulltrace", takesValue: false },
  { key: "capture-index", long: "capture-index", takesValue: false },
  { key: "salvage-rollback-points", long: "salvage-rollback-points", takesValue: false },
];

export type LtfsckOptionsResult =
  | { readonly ok: true; readonly options: LtfsckOptions }
  | { readonly ok: false; readonly message: string };

export function parseLtfsckOptions(args: readonly string[]): LtfsckOptionsResult {
  const parsed = getoptLong(args, LTFSCK_OPTIONS);
  if (!parsed.ok) return parsed;
  const { options, operands } = parsed;
  return {
    ok: true,
    options: {
      device: operands[0] ?? null,
      fullRecovery: hasOption(options, "full-recovery"),
      listRollbackPoints: hasOption(options, "list"),
      fullIndexInfo: hasOption(options, "full-index-info"),
      rollback: hasOption(options, "rollback"),
      generation: lastValue(options, "generation"),
      quiet: hasOption(options, "quiet"),
      version: hasOption(options, "version"),
      help: hasOption(options, "help") || hasOption(options, "advanced-help"),
    },
  };
}

/** ltfsck's usage text (stderr). */
export const LTFSCK_USAGE = `Usage: ltfsck [options] filesys

filesys                           Device file for the tape drive

Available options are:
  -g, --generation=<generation>   Specify the generation to roll back
  -r, --rollback                  Roll back to the point specified by -g
  -n, --no-rollback               Do not roll back. Verify the point specified by -g (default)
  -f, --full-recovery             Recover extra data blocks into directory _ltfs_lostandfound
  -z, --deep-recovery             Recover EOD missing cartridge.
                                  Some blocks might be erased, but recover to final unmount point
                                  with an index version of at least  2.0.0  or earlier.
                                  (Must be used for a cartridge that cannot be recovered by a normal option.)
  -l, --list-rollback-points      List rollback points
  -m, --full-index-info           Display full index information (Effective only for -l option)
  -v, --traverse=<strategy>       Set traverse mode for listing roll back points. Strategy should be forward or backward. (default: backward)
  -j, --erase-history             Erase history at rollback
  -k, --keep-history              Keep history at rollback (default)
  -q, --quiet                     Suppress informational messages
  -t, --trace                     Enable diagnostic output
      --syslogtrace               Enable diagnostic output to stderr and syslog
  -V, --version                   Version information
  -h, --help                      This help
  -p, --advanced-help             Full help, including advanced options

`;
