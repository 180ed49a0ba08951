import type { OptionSpec } from "./getopt.ts";

/** The options every LTFS tool (mkltfs, ltfsck) takes from libltfs, in its own order. */
export const LTFS_COMMON_OPTIONS: readonly OptionSpec[] = [
  { key: "quiet", short: "q", long: "quiet", takesValue: false },
  { key: "trace", short: "t", long: "trace", takesValue: false },
  { key: "syslogtrace", long: "syslogtrace", takesValue: false },
  { key: "version", short: "V", long: "version", takesValue: false },
  { key: "help", short: "h", long: "help", takesValue: false },
  { key: "advanced-help", short: "p", long: "advanced-help", takesValue: false },
  { key: "config", short: "i", long: "config", takesValue: true },
  { key: "backend", short: "e", long: "backend", takesValue: true },
  { key: "kmi-backend", long: "kmi-backend", takesValue: true },
];
