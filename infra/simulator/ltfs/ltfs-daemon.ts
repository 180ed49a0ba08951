// Entry of the detached simulated ltfs daemon, started by ltfs.ts (see daemon-launch.ts).
// ltfs mounts the volume, then hands it over on this process's stdin; from then on this
// process is the mount's daemon. Its messages go to <state>/run/ltfs-drive<n>.log, since a
// daemon has no terminal.
import fs from "node:fs";
import path from "node:path";
import { simulatorLayout } from "../layout.ts";
import type { DaemonHandOver } from "./daemon-launch.ts";
import { createLtfsLog, ltfsThreadId } from "./ltfs-log.ts";
import { watchVolume } from "./serve-volume.ts";

delete process.env.NODE_OPTIONS;
try {
  // `pgrep -x ltfs` finds real LTFS daemons by this name.
  fs.writeFileSync("/proc/self/comm", "ltfs");
} catch {
  // Not Linux: the name is cosmetic.
}

let text = "";
for await (const chunk of process.stdin) text += String(chunk);

let handOver: DaemonHandOver | null = null;
try {
  handOver = JSON.parse(text) as DaemonHandOver;
} catch {
  // ltfs gave up before the mount (it also kills us then) or died before handing over: the
  // mount, if any, is left as a crashed daemon leaves it.
}
if (handOver === null) {
  process.exitCode = 1;
} else {
  const { volume, mounted } = handOver;
  const logFile = path.join(
    simulatorLayout(volume.stateDir).runDir,
    `ltfs-drive${volume.driveIndex}.log`,
  );
  fs.writeFileSync(logFile, "");
  const log = createLtfsLog({
    write: (line) => fs.appendFileSync(logFile, line),
    threadId: ltfsThreadId(),
  });
  try {
    process.exitCode = await watchVolume(volume, mounted, log);
  } catch (error) {
    log.line(`ltfs (simulated drive): ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
