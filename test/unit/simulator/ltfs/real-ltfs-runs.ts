import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { messageIds } from "./simulated-drives.ts";

/**
 * One step of a captured run of the real LTFS 2.4.8.4 tools (test/fixtures/real-ltfs/*.txt,
 * copied from the shared fixtures): the command line after `$ `, then `--- stdout ---`,
 * `--- stderr ---` and `--- exit code: N …`.
 */
export interface RealRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  /** The LTFS message ids of its stderr, in order. */
  readonly ids: string[];
}

const FIXTURE_DIR = fileURLToPath(new URL("../../../fixtures/real-ltfs/", import.meta.url));

/** The `occurrence`-th (0-based) run of exactly `command` in a fixture file. */
export function realRun(file: string, command: string, occurrence = 0): RealRun {
  const lines = fs.readFileSync(`${FIXTURE_DIR}${file}`, "utf8").split("\n");
  let seen = 0;
  for (let index = 0; index < lines.length; index += 1) {
    if (lines[index] !== `$ ${command}`) continue;
    if (seen++ < occurrence) continue;
    const stdoutAt = lines.indexOf("--- stdout ---", index);
    const stderrAt = lines.indexOf("--- stderr ---", stdoutAt);
    const exitAt = lines.findIndex(
      (line, at) => at > stderrAt && line.startsWith("--- exit code: "),
    );
    const stderr = lines.slice(stderrAt + 1, exitAt).join("\n");
    return {
      stdout: lines.slice(stdoutAt + 1, stderrAt).join("\n"),
      stderr,
      exitCode: Number(/^--- exit code: (\d+)/.exec(lines[exitAt] ?? "")?.[1]),
      ids: messageIds(stderr),
    };
  }
  throw new Error(`${file} has no run of "${command}"`);
}
