import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { embeddedLayout } from "../../services/launcher/embedded-layout.ts";
import { existingTapeLibrary } from "../../services/launcher/simulated-library.ts";
import {
  CONFIG_ENV,
  DEFAULT_CONFIG_PATH,
  LOGGING_DEFAULTS,
  loadConfig,
  type PytarchiveConfig,
  readLoggingConfFile,
  redactConfig,
} from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { PYTARCHIVE_VERSION } from "../../shared/version.ts";
import { scrubbed, secretsOf } from "./bundle-secrets.ts";
import { logTail } from "./log-tail.ts";
import {
  checkedPath,
  parseScriptArgs,
  runTool,
  type ScriptIo,
  ScriptUsageError,
  type ToolOutput,
  toolCommand,
  toolsFolderOf,
} from "./script-support.ts";

const SCRIPT = "support-bundle";
const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEFAULT_LINES = 500;
const MAX_LINES = 100_000;

export const SUPPORT_BUNDLE_HELP = `usage: infra/scripts/support-bundle [--config FILE] [--log FILE] [--lines N] [--output DIR] [--tools-path DIR]

Collects what a bug report needs into one .tar.gz and prints its path: mtx status, tapeinfo of
every drive, the LTFS, mtx and nats-server versions, the configuration with its secrets hidden
(SMTP password, chat webhook, passwords in URLs and NATS credentials), the last lines of the log,
and \`queue --json\` and \`history --json\` when pytarchive runs (the bundle says so when it does
not). Every secret of the configuration is removed from every file of the bundle. Nothing is
moved, loaded or changed. Run it as root, as pytarchive runs.

Options:
  --config FILE     the configuration (default $${CONFIG_ENV.config}, else ${DEFAULT_CONFIG_PATH})
  --log FILE        the log file (default: the configuration's [Logging] file, else
                    logging.conf's, else ${LOGGING_DEFAULTS.file})
  --lines N         how many of its last lines (1 to ${MAX_LINES}, default ${DEFAULT_LINES})
  --output DIR      folder the bundle is written to (default ${os.tmpdir()})
  --tools-path DIR  folder searched first for mtx, tapeinfo and ltfs (default: the configuration's)
  -h, --help        show this help

Example:
  infra/scripts/support-bundle --log /var/log/pytarchive.log --lines 2000
`;

/** One file of the bundle: its name and text (scrubbed before it is written). */
interface Member {
  readonly name: string;
  readonly text: string;
}

function describeRun(output: ToolOutput): string {
  return `$ ${output.command}\n(exit code ${output.exitCode})\n${output.stdout}${output.stderr === "" ? "" : `--- stderr ---\n${output.stderr}`}`;
}

function parseLines(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LINES;
  const lines = Number(value);
  if (!/^\d+$/.test(value) || lines < 1 || lines > MAX_LINES) {
    throw new ScriptUsageError(
      SCRIPT,
      `--lines must be a whole number from 1 to ${MAX_LINES}, not ${JSON.stringify(value)}.`,
    );
  }
  return lines;
}

/**
 * The devices pytarchive runs on: as configured, or the simulated library it uses. Only looked
 * up: the bundle never creates a simulated library in the state folder.
 */
function libraryOf(config: PytarchiveConfig): PytarchiveConfig {
  const simulatorDir = embeddedLayout(config.paths.stateDir).simulatorDir;
  try {
    return existingTapeLibrary(config, simulatorDir)?.config ?? config;
  } catch {
    return config;
  }
}

/** The log file pytarchive writes: [Logging] file, else logging.conf's, else the default; null: none. */
async function logFileOf(config: PytarchiveConfig): Promise<string | null> {
  if (config.logging.file !== undefined) return config.logging.file;
  const original =
    config.smtp.loggingConf === null
      ? null
      : await readLoggingConfFile(config.smtp.loggingConf).catch(() => null);
  return original?.file ?? LOGGING_DEFAULTS.file;
}

async function cliJson(verb: string, configFile: string | null, io: ScriptIo): Promise<Member> {
  const env = { ...io.env, ...(configFile === null ? {} : { [CONFIG_ENV.config]: configFile }) };
  const output = await runTool(
    process.execPath,
    [path.join(REPOSITORY_ROOT, "bin/pytarchive.mjs"), verb, "--json"],
    { timeoutMs: 30_000, env },
  );
  if (output.exitCode === 0) return { name: `${verb}.json`, text: output.stdout };
  return {
    name: `${verb}-not-available.txt`,
    text: `pytarchive ${verb} --json did not answer: pytarchive is not running, or not reachable from here.\n\n${describeRun(output)}`,
  };
}

/** `infra/scripts/support-bundle`: resolves to the exit code; prints the bundle's path. */
export async function supportBundleMain(argv: readonly string[], io: ScriptIo): Promise<number> {
  const { values } = parseScriptArgs(SCRIPT, argv, {
    config: { type: "string" },
    log: { type: "string" },
    lines: { type: "string" },
    output: { type: "string" },
    "tools-path": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(SUPPORT_BUNDLE_HELP);
    return 0;
  }
  const configFile =
    values.config === undefined ? null : checkedPath(SCRIPT, "--config", values.config, "file");
  const logOption = values.log === undefined ? null : checkedPath(SCRIPT, "--log", values.log);
  const lines = parseLines(values.lines);
  const outputDir = checkedPath(SCRIPT, "--output", values.output ?? os.tmpdir(), "folder");
  const toolsFolder = toolsFolderOf(SCRIPT, values["tools-path"], io);

  const members: Member[] = [];
  const notes: string[] = [];
  let config: PytarchiveConfig | null = null;
  try {
    config = loadConfig({ ...(configFile === null ? {} : { path: configFile }), env: io.env });
    members.push({
      name: "configuration.json",
      text: `${JSON.stringify(redactConfig(config), null, 2)}\n`,
    });
  } catch (error) {
    const message =
      error instanceof PytarchiveError ? `${error.code}: ${error.message}` : String(error);
    members.push({ name: "configuration-error.txt", text: `${message}\n` });
    notes.push("The configuration could not be read; see configuration-error.txt.");
  }
  const logFile = logOption ?? (config === null ? LOGGING_DEFAULTS.file : await logFileOf(config));
  const library = config === null ? null : libraryOf(config);
  const tool = (name: "mtx" | "tapeinfo" | "ltfs") =>
    toolsFolder !== null ? toolCommand(toolsFolder, name) : (library?.tools[name] ?? name);

  const versions = await Promise.all([
    runTool(tool("ltfs"), ["--version"]),
    runTool(tool("mtx"), ["--version"]),
    runTool("nats-server", ["--version"]),
    runTool("uname", ["-a"]),
  ]);
  members.push({
    name: "versions.txt",
    text: [
      `pytarchive ${PYTARCHIVE_VERSION}, Node.js ${process.version}`,
      ...versions.map(describeRun),
    ].join("\n\n"),
  });
  if (library !== null) {
    members.push({
      name: "mtx-status.txt",
      text: describeRun(await runTool(tool("mtx"), ["-f", library.device.library, "status"])),
    });
    for (const drive of library.device.drives) {
      members.push({
        name: `tapeinfo-drive-${drive.element}.txt`,
        text: describeRun(await runTool(tool("tapeinfo"), ["-f", drive.device])),
      });
    }
  }
  members.push({
    name: "log-tail.txt",
    text:
      logFile === null
        ? "The configuration writes no log file ([Logging] file is empty).\n"
        : logTail(logFile, lines),
  });
  members.push(await cliJson("queue", configFile, io), await cliJson("history", configFile, io));
  if (members.some((member) => member.name.endsWith("-not-available.txt"))) {
    notes.push(
      "pytarchive did not answer queue/history: it is not running, or not reachable from here.",
    );
  }
  const created = new Date();
  members.unshift({
    name: "README.txt",
    text: [
      `pytarchive support bundle, ${created.toISOString()}, host ${os.hostname()}`,
      `Configuration: ${configFile ?? io.env[CONFIG_ENV.config] ?? DEFAULT_CONFIG_PATH}; log: ${logFile ?? "none"} (last ${lines} lines)`,
      "Secrets of the configuration are replaced by *** in every file.",
      ...notes,
      "",
      "Files:",
      ...members.map((member) => `  ${member.name}`),
      "",
    ].join("\n"),
  });

  const secrets = config === null ? [] : secretsOf(config);
  const name = `pytarchive-support-${created.toISOString().replace(/[:.]/g, "-")}`;
  const staging = mkdtempSync(path.join(os.tmpdir(), "pytarchive-support-"));
  const bundle = path.join(outputDir, `${name}.tar.gz`);
  try {
    const folder = path.join(staging, name);
    mkdirSync(folder, { mode: 0o700 });
    for (const member of members) {
      writeFileSync(path.join(folder, member.name), scrubbed(member.text, secrets), {
        mode: 0o600,
      });
    }
    const packed = await runTool("tar", ["-czf", bundle, "-C", staging, name]);
    if (packed.exitCode !== 0) {
      throw new PytarchiveError(
        "BUNDLE_NOT_WRITTEN",
        `The support bundle ${bundle} could not be written: ${packed.stderr.trim()}`,
        {
          hint: "Check that the output folder is writable and has room, or name another with --output.",
        },
      );
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  io.stdout(`${bundle}\n`);
  return 0;
}
