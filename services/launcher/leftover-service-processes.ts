import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isProcessAlive } from "../../shared/lock-file/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { sleep } from "../../shared/nats/index.ts";

/** The folder of the service processes' pid files: `<state>/processes/<group>.pid`. */
export function serviceProcessesDir(stateDir: string): string {
  return path.join(stateDir, "processes");
}

/**
 * Notes this service process's pid in the state folder until it exits, so that a launcher
 * started after a killed one can wait for it (see waitForLeftoverServiceProcesses). Returns the
 * function that removes the note.
 */
export function noteServiceProcess(stateDir: string, group: string): () => void {
  const file = path.join(serviceProcessesDir(stateDir), `${group}.pid`);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${process.pid}\n`);
  } catch {
    // Without the note a later launcher cannot wait for this process; it still runs.
    return () => {};
  }
  return () => rmSync(file, { force: true });
}

/**
 * Waits for the service processes of an earlier launcher of this state folder that was killed:
 * each stops cleanly by itself when its launcher is gone (the ltfs service unmounts its tapes,
 * which may take many minutes), and a new start must not race that stop for the catalog or a
 * drive. One that is still there after `timeoutMs` is killed. Pid files of processes that are
 * gone are removed. Resolves with the pids waited for.
 *
 * @example
 * await waitForLeftoverServiceProcesses(config.paths.stateDir, log, stopBudgetMs(SERVICE_REGISTRY));
 */
export async function waitForLeftoverServiceProcesses(
  stateDir: string,
  log: Logger,
  timeoutMs: number,
): Promise<number[]> {
  const folder = serviceProcessesDir(stateDir);
  let files: string[];
  try {
    files = readdirSync(folder)
      .filter((name) => name.endsWith(".pid"))
      .sort();
  } catch {
    return [];
  }
  const waited: number[] = [];
  for (const name of files) {
    const file = path.join(folder, name);
    const pid = readPid(file);
    // Gone meanwhile: the process removed its note as it exited (while another was waited for).
    if (pid === null) continue;
    if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) && isServiceProcess(pid)) {
      const group = name.replace(/\.pid$/, "");
      log.warn(
        "a service process of an earlier, killed launcher is still stopping; waiting for it (the ltfs service unmounts its tapes)",
        { group, pid },
      );
      const deadline = Date.now() + timeoutMs;
      while (isProcessAlive(pid)) {
        if (Date.now() > deadline) {
          log.error("the earlier service process did not stop in time; killing it", { group, pid });
          process.kill(pid, "SIGKILL");
          break;
        }
        await sleep(200);
      }
      waited.push(pid);
    }
    rmSync(file, { force: true });
  }
  return waited;
}

/** The pid a note holds; null when the note is gone (its process exited and removed it). */
function readPid(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  return Number.parseInt(text.trim(), 10);
}

function isServiceProcess(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.some((arg) => arg.endsWith("service-process.ts"));
  } catch {
    return false;
  }
}
