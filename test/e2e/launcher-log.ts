import type { E2eStack } from "./support.ts";

/*
 * What the launcher said about its service processes: its JSON log lines on stderr, and the pids
 * it printed on start. The tests that kill a service process find their victim and the restart
 * here.
 */

/** The launcher's log lines (stderr, JSON) with this message. */
export function launcherLines(e2e: E2eStack, msg: string): Record<string, unknown>[] {
  return e2e.stack.output
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === msg);
}

/** The pid of a process group, as the launcher printed it on start ("Processes: …"). */
export function printedPid(e2e: E2eStack, group: string): number {
  const line = e2e.stack.output.find((text) => text.includes("Processes:")) ?? "";
  const pid = new RegExp(`\\b${group} \\(pid (\\d+)\\)`).exec(line)?.[1];
  if (pid === undefined) throw new Error(`the launcher printed no pid of ${group}: ${line}`);
  return Number(pid);
}

export const EXITED_MESSAGE =
  "service process exited unexpectedly; starting it again after a pause";
export const STARTED_AGAIN_MESSAGE =
  "service process started again; its services take up their work";
