import { runScript, type ScriptIo } from "../../infra/scripts/script-support.ts";

/**
 * Runs an operator script's main as `infra/scripts/<name>` would, with no environment and `cwd`
 * as its folder, and returns its exit code and everything it printed.
 *
 * @example
 * const { exitCode, stderr } = await runScriptRecorded(discoverMain, ["--bogus"], "/tmp");
 */
export async function runScriptRecorded(
  main: (argv: readonly string[], io: ScriptIo) => Promise<number>,
  argv: readonly string[],
  cwd: string,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: ScriptIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: {},
    cwd,
  };
  const exitCode = await runScript(main, argv, io);
  return { exitCode, stdout: out.join(""), stderr: err.join("") };
}
