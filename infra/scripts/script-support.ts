import fs from "node:fs";
import path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { $ } from "zx";
import { processIo } from "../../cli/command.ts";
import { reportError } from "../../cli/report-error.ts";
import { CONFIG_ENV } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { hasControlCharacters } from "../../shared/format/index.ts";

/** Where a script writes; tests pass a recorder. */
export interface ScriptIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** The script's command line is wrong: exit code 2, hint to its --help. */
export class ScriptUsageError extends PytarchiveError {
  constructor(script: string, message: string) {
    super("SCRIPT_USAGE", message, { hint: `Run \`infra/scripts/${script} --help\`.` });
    this.name = "ScriptUsageError";
  }
}

/** node:util's parseArgs, strict, with its TypeErrors turned into ScriptUsageError. */
export function parseScriptArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  script: string,
  argv: readonly string[],
  options: T,
) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new ScriptUsageError(script, (error as Error).message);
  }
}

/**
 * An absolute path a person gave (option or environment variable), checked before use: no
 * control characters, absolute, and (with `mustBe`) an existing folder or file.
 */
export function checkedPath(
  script: string,
  what: string,
  value: string,
  mustBe: "folder" | "file" | "any" = "any",
): string {
  if (value === "" || hasControlCharacters(value) || value.length > 4096) {
    throw new ScriptUsageError(script, `${what} ${JSON.stringify(value)} is not a usable path.`);
  }
  if (!path.isAbsolute(value)) {
    throw new ScriptUsageError(
      script,
      `${what} must be an absolute path, not ${JSON.stringify(value)}.`,
    );
  }
  if (mustBe === "any") return path.normalize(value);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(value);
  } catch {
    throw new ScriptUsageError(script, `${what} ${value} does not exist.`);
  }
  if (mustBe === "folder" ? !stat.isDirectory() : !stat.isFile()) {
    throw new ScriptUsageError(script, `${what} ${value} is not a ${mustBe}.`);
  }
  return path.normalize(value);
}

/** `--tools-path`, else $PYTARCHIVE_TOOLS_PATH (as pytarchive's `[Tools] path`), else none. */
export function toolsFolderOf(
  script: string,
  option: string | undefined,
  io: ScriptIo,
): string | null {
  const value = option ?? io.env[CONFIG_ENV.toolsPath];
  if (value === undefined || value === "") return null;
  return checkedPath(
    script,
    option === undefined ? `$${CONFIG_ENV.toolsPath}` : "--tools-path",
    value,
    "folder",
  );
}

/** The tool in the tools folder when it holds it (executable), else the bare name for PATH. */
export function toolCommand(toolsFolder: string | null, name: string): string {
  if (toolsFolder === null) return name;
  const candidate = path.join(toolsFolder, name);
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return candidate;
  } catch {
    return name;
  }
}

export interface ToolOutput {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a tool through zx: every argument is quoted by zx's `$` (an array becomes separate
 * words), so nothing a person typed is read by the shell. Never throws for a failed command;
 * exit code 127 (not installed) is for the caller to word.
 */
export async function runTool(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ToolOutput> {
  const shell = $({
    nothrow: true,
    quiet: true,
    timeout: `${options.timeoutMs ?? 60_000}ms`,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const output = await shell`${command} ${[...args]}`;
  return {
    command: [command, ...args].join(" "),
    exitCode: output.exitCode,
    stdout: output.stdout,
    stderr: output.stderr,
  };
}

/** The error for a tool that is not installed (bash's exit code 127). */
export function toolMissing(name: string, installHint: string): PytarchiveError {
  return new PytarchiveError("COMMAND_NOT_FOUND", `${name} is not installed (or not on PATH).`, {
    hint: installHint,
  });
}

/** The process's streams and environment. */
export const processScriptIo: ScriptIo = {
  stdout: (text) => processIo.stdout(text),
  stderr: (text) => processIo.stderr(text),
  env: process.env,
  get cwd() {
    return process.cwd();
  },
};

/**
 * Runs a script's main and turns what it throws into the CLI's `error:`/`hint:` lines: exit 2
 * for usage errors, 1 for other failures, a stack only for bugs.
 */
export async function runScript(
  main: (argv: readonly string[], io: ScriptIo) => Promise<number>,
  argv: readonly string[],
  io: ScriptIo = processScriptIo,
): Promise<number> {
  try {
    return await main(argv, io);
  } catch (error) {
    const code = reportError(error, { stdout: io.stdout, stderr: io.stderr, cwd: io.cwd }, null);
    return error instanceof ScriptUsageError ? 2 : code;
  }
}
