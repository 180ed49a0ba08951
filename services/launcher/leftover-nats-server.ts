import { readFileSync, rmSync } from "node:fs";
import { isProcessAlive } from "../../shared/lock-file/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { sleep } from "../../shared/nats/index.ts";

/**
 * Stops a nats-server left running by an earlier launcher of this state folder that was killed
 * (SIGKILL, a crash) before it could stop its server: that server would hold the port and the
 * store. Only a process whose command line names our configuration file is touched. Resolves
 * with its process id, or null when there was none.
 *
 * @example
 * await stopLeftoverNatsServer(layout.natsPidFile, layout.natsConfigFile, log);
 */
export async function stopLeftoverNatsServer(
  pidFile: string,
  configFile: string,
  log: Logger,
): Promise<number | null> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid) || !isOurServer(pid, configFile)) {
    rmSync(pidFile, { force: true });
    return null;
  }
  log.warn("stopping a nats-server left running by an earlier start of pytarchive", { pid });
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 15_000;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGKILL");
      break;
    }
    await sleep(100);
  }
  rmSync(pidFile, { force: true });
  return pid;
}

function isOurServer(pid: number, configFile: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.includes(configFile) && argv.some((arg) => arg.endsWith("nats-server"));
  } catch {
    return false;
  }
}
