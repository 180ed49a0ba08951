import fs from "node:fs/promises";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { type CommandResult, runCommand } from "../../../shared/exec/index.ts";
import { INVENTORY_ERROR_CODES as CODES } from "./inventory-errors.ts";

/** What `du -s` found: the KiB it printed, and its complaints when it could not read everything. */
export interface DiskUsage {
  readonly sizeKiB: number;
  /** du's warnings ("du: cannot read directory '…': Permission denied"); empty when none. */
  readonly problems: readonly string[];
}

/**
 * Every look the inventory takes at the file system. takeInventory bounds each call in time and
 * aborts its signal when it stops waiting; a call that throws makes the folder unreadable, with
 * the error's message as the reason. Tests pass their own to simulate a hung mount.
 */
export interface FolderProbe {
  /** Names of the direct subfolders of `folder`; symbolic links are not subfolders. */
  listSubfolders(folder: string, signal: AbortSignal): Promise<readonly string[]>;
  /** The subfolder's own modification time (not followed if it is a link). */
  lastChange(subfolder: string, signal: AbortSignal): Promise<Date>;
  /** Disk usage in KiB exactly as `du -s` counts it. */
  diskUsage(subfolder: string, signal: AbortSignal): Promise<DiskUsage>;
}

/** How many of du's warning lines a reason quotes; a folder can have thousands. */
const QUOTED_PROBLEMS = 5;

/**
 * The real probe. The listing is one `readdir` of the source folder (file types come with the
 * names, so the subfolders themselves are not touched). The subfolders are examined by child
 * processes, `stat` and `du`, never by calls in this process: a call on a hung NFS mount blocks
 * one of libuv's four worker threads for good, and four of them would stall every file access of
 * every service in the process. A stuck child process costs nothing but a process entry.
 */
export const duProbe: FolderProbe = {
  async listSubfolders(folder) {
    const entries = await fs.readdir(folder, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort(compareNames);
  },

  async lastChange(subfolder, signal) {
    // Without -L, stat reports a link itself, as lstat does. %Y: whole seconds, in every version.
    const result = await runCommand("stat", ["--format=%Y", "--", subfolder], { signal });
    const seconds = Number(result.stdout.trim());
    if (result.exitCode !== 0 || result.stdout.trim() === "" || !Number.isSafeInteger(seconds)) {
      throw probeFailed(result);
    }
    return new Date(seconds * 1000);
  },

  async diskUsage(subfolder, signal) {
    // -k: KiB whatever BLOCK_SIZE or POSIXLY_CORRECT say; otherwise plain `du -s`.
    const result = await runCommand("du", ["-sk", "--", subfolder], { signal });
    const match = /^(\d+)\t/.exec(result.stdout);
    // du exits 1 when it could not read part of the tree, and still prints what it counted.
    if (!match?.[1] || (result.exitCode !== 0 && result.exitCode !== 1)) throw probeFailed(result);
    return {
      sizeKiB: Number(match[1]),
      problems: result.exitCode === 0 ? [] : lines(result.stderr),
    };
  },
};

/** Code-unit order: the same on every machine, whatever the locale. */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** du's or stat's complaints, shortened to what a report line can hold. */
export function summarizeProblems(problems: readonly string[]): string {
  const quoted = problems.slice(0, QUOTED_PROBLEMS).join("; ");
  const more = problems.length - QUOTED_PROBLEMS;
  return more > 0 ? `${quoted}; and ${more} more` : quoted;
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

function probeFailed(result: CommandResult): PytarchiveError {
  const said = summarizeProblems(lines(result.stderr));
  const how =
    result.exitCode === null
      ? `was ended by signal ${result.signal ?? "unknown"}`
      : `exited with status ${result.exitCode}`;
  return new PytarchiveError(CODES.probeFailed, said || `${result.command} ${how}`);
}
