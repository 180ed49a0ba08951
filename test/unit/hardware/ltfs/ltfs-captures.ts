import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandResult } from "../../../../shared/exec/index.ts";

/*
 * The numbered files in test/fixtures/real-ltfs are captured runs of the real LTFS tools, one step
 * after another:
 *
 *   $ <command line, possibly spanning lines>
 *   --- stdout ---
 *   …
 *   --- stderr ---
 *   …
 *   --- exit code: N  (elapsed 0.01s) ---
 *
 * Steps without the stdout/stderr markers (harness notes, `ltfs -f` logs) are skipped here.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(here, "../../../fixtures");

export interface CapturedStep {
  /** The command line as typed, e.g. "mkltfs -e file -d /tmp/ltfs-tapes/TAPE001". */
  readonly commandLine: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export function readFixture(relativePath: string): string {
  return fs.readFileSync(path.join(FIXTURES, relativePath), "utf8");
}

export function capturedSteps(file: string): CapturedStep[] {
  const lines = readFixture(path.join("real-ltfs", file)).split("\n");
  const steps: CapturedStep[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? "";
    if (!line.startsWith("$ ")) {
      index++;
      continue;
    }
    const command = [line.slice(2)];
    index++;
    while (index < lines.length && !isMarker(lines[index]) && !lines[index]?.startsWith("$ ")) {
      command.push(lines[index] ?? "");
      index++;
    }
    if (lines[index] !== "--- stdout ---") continue;
    const stdout = collect(lines, index + 1, "--- stderr ---");
    const stderr = collect(lines, stdout.end + 1, "--- exit code: ");
    const exit = /^--- exit code: (\d+)/.exec(lines[stderr.end] ?? "");
    if (!exit) throw new Error(`${file}: no exit code after ${command[0]}`);
    steps.push({
      commandLine: command.join("\n"),
      stdout: stdout.text,
      stderr: stderr.text,
      exitCode: Number(exit[1]),
    });
    index = stderr.end + 1;
  }
  return steps;
}

/** The steps whose command line starts with `prefix` (e.g. "mkltfs ", "ltfs -o"). */
export function stepsRunning(file: string, prefix: string): CapturedStep[] {
  return capturedSteps(file).filter((step) => step.commandLine.startsWith(prefix));
}

/** The one step whose command line is exactly `commandLine`, or the n-th of several. */
export function step(file: string, commandLine: string, occurrence = 0): CapturedStep {
  const found = capturedSteps(file).filter((s) => s.commandLine === commandLine)[occurrence];
  if (!found) throw new Error(`${file}: no step #${occurrence} running ${commandLine}`);
  return found;
}

/** A captured step as the CommandResult runCommand would have produced. */
export function asCommandResult(captured: CapturedStep): CommandResult {
  const [command = "", ...args] = captured.commandLine.split(" ");
  return {
    command,
    args,
    exitCode: captured.exitCode,
    signal: null,
    stdout: captured.stdout,
    stderr: captured.stderr,
    durationMs: 10,
  };
}

function isMarker(line: string | undefined): boolean {
  return line?.startsWith("--- ") ?? false;
}

function collect(lines: readonly string[], from: number, endPrefix: string) {
  let end = from;
  while (end < lines.length && !(lines[end] ?? "").startsWith(endPrefix)) end++;
  const body = lines.slice(from, end);
  return { text: body.length > 0 ? `${body.join("\n")}\n` : "", end };
}
