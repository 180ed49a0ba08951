import { getoptLong, hasOption, lastValue, type OptionSpec } from "./getopt.ts";
import { LTFS_COMMON_OPTIONS } from "./ltfs-common-options.ts";

/** What `mkltfs` was asked to do. Backend, block size, compression and rules are accepted and ignored. */
export interface MkltfsOptions {
  readonly device: string | null;
  readonly volumeSerial: string | null;
  readonly volumeName: string | null;
  readonly rules: string | null;
  readonly force: boolean;
  readonly wipe: boolean;
  readonly quiet: boolean;
  readonly version: boolean;
  readonly help: boolean;
}

const MKLTFS_OPTIONS: readonly OptionSpec[] = [
  { key: "device", short: "d", long: "device", takesValue: true },
  { key: "force", short: "f", long: "force", takesValue: false },
  { key: "serial", short: "s", long: "tape-serial", takesValue: true },
  { key: "name", short: "n", long: "volume-name", takesValue: true },
  { key: "rules", short: "r", long: "rules", takesValue: true },
  { key: "no-override", long: "no-override", takesValue: false },
  { key: "wipe", short: "w", long: "wipe", takesValue: false },
  ...LTFS_COMMON_OPTIONS,
  { key: "blocksize", short: "b", long: "blocksize", takesValue: true },
  { key: "no-compression", short: "c", long: "no-compression", takesValue: false },
  { key: "keep-capacity", short: "k", long: "keep-capacity", takesValue: false },
  { key: "fulltrace", short: "x", long: "fulltrace", takesValue: false },
  { key: "long-wipe", long: "long-wipe", takesValue: false },
  { key: "destructive", long: "destructive", takesValue: false },
];

export type MkltfsOptionsResult =
  | { readonly ok: true; readonly options: MkltfsOptions }
  | { readonly ok: false; readonly message: string };

export function parseMkltfsOptions(args: readonly string[]): MkltfsOptionsResult {
  const parsed = getoptLong(args, MKLTFS_OPTIONS);
  if (!parsed.ok) return parsed;
  const { options } = parsed;
  return {
    ok: true,
    options: {
      device: lastValue(options, "device"),
      volumeSerial: lastValue(options, "serial"),
      volumeName: lastValue(options, "name"),
      rules: lastValue(options, "rules"),
      force: hasOption(options, "force"),
      wipe: hasOption(options, "wipe") || hasOption(options, "long-wipe"),
      quiet: hasOption(options, "quiet"),
      version: hasOption(options, "version"),
      help: hasOption(options, "help") || hasOption(options, "advanced-help"),
    },
  };
}

/** LTFS15029E / LTFS15030E: a volume serial is exactly 6 characters from [0-9A-Z]. */
export function volumeSerialProblem(serial: string): "length" | "characters" | null {
  if (serial.length !== 6) return "length";
  if (!/^[0-9A-Z]{6}$/.test(serial)) return "characters";
  return null;
}

/** mkltfs's usage text (stderr), as the real one prints it after option errors. */
export const MKLTFS_USAGE = `
Usage: mkltfs <options>

Available options are:
  -d, --device=<name>       Tape device (required)
  -f, --force               Force to format medium
  -s, --tape-serial=<id>    Tape serial number (6 alphanumeric ASCII characters)
  -n, --volume-name=<name>  Tape volume name (empty by default)
  -r, --rules=<rules>       Rules for choosing files to write to the index partition.
                            The syntax of the rule argument is:
                                size=1M
                                size=1M/name=pattern
                                size=1M/name=pattern1:pattern2:pattern3
                            A file is written to the index partition if it is no larger
                            than the given size AND matches at least one of the name
                            patterns (if specified). The size argument accepts K, M, and G
                            suffixes. Name patterns might contain the special characters
                            '?' (match any single character) and '*' (match zero or more
                            characters)
      --no-override         Disallow mount-time data placement policy changes
  -w, --wipe                Restore the LTFS medium to an unpartitioned medium (format to a legacy scratch medium)
  -q, --quiet               Suppress progress information and general messages
  -t, --trace               Enable function call tracing
      --syslogtrace               Enable diagnostic output to stderr and syslog
  -V, --version             Version information
  -h, --help                This help
  -p, --advanced-help       Full help, including advanced options

Usage example:
  mkltfs --device=0 --rules="size=100K"
  mkltfs --device=0 --rules="size=1M/name=*.jpg"
  mkltfs --device=0 --rules="size=1M/name=*.jpg:*.png"
`;
