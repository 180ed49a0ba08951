import { discoverLibrary, TAPE_BY_ID } from "./discover-library.ts";
import { checkedPath, parseScriptArgs, type ScriptIo, toolsFolderOf } from "./script-support.ts";
import { formatStarterConfig } from "./starter-config.ts";

const SCRIPT = "discover";

export const DISCOVER_HELP = `usage: infra/scripts/discover [--tools-path DIR] [--mount-prefix PREFIX]

Lists this machine's tape library: its changer and drives (lsscsi -g), each drive's serial
(tapeinfo -f), the changer's Data Transfer Elements (mtx status) and the stable names in
${TAPE_BY_ID}. Prints a starter [Device] / [Drive N] configuration for pytarchive.conf on
stdout; its comments say which drive numbers are certain and which are assumed. Nothing is
moved or loaded. Run it as root (or as a user who may open the changer and /dev/sg*).

Options:
  --tools-path DIR       folder searched first for lsscsi, mtx and tapeinfo (as [Tools] path;
                         default $PYTARCHIVE_TOOLS_PATH); a simulated library's is <state>/bin
  --mount-prefix PREFIX  mount point of drive N is PREFIX followed by N (default /ltfs: /ltfs0, …)
  -h, --help             show this help

Example:
  infra/scripts/discover > /tmp/library.conf
  infra/scripts/discover --tools-path /var/lib/pytarchive/sim/bin --mount-prefix /var/lib/pytarchive/sim/mnt/
`;

/** `infra/scripts/discover`: resolves to the exit code. */
export async function discoverMain(argv: readonly string[], io: ScriptIo): Promise<number> {
  const { values } = parseScriptArgs(SCRIPT, argv, {
    "tools-path": { type: "string" },
    "mount-prefix": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(DISCOVER_HELP);
    return 0;
  }
  const toolsFolder = toolsFolderOf(SCRIPT, values["tools-path"], io);
  const prefix = values["mount-prefix"] ?? "/ltfs";
  const mountPrefix = prefix.endsWith("/")
    ? `${checkedPath(SCRIPT, "--mount-prefix", prefix, "folder")}/`
    : checkedPath(SCRIPT, "--mount-prefix", prefix);
  const library = await discoverLibrary({
    toolsFolder,
    mountPrefix: mountPrefix.replace(/\/+$/, "/"),
  });
  io.stdout(formatStarterConfig(library, new Date()));
  return 0;
}
