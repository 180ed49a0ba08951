import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tsxLoaderPath } from "../install-bin.ts";
import type { MountedVolume, VolumeToServe } from "./serve-volume.ts";

/** What `ltfs` hands its daemon on the daemon's stdin, once the volume is mounted. */
export interface DaemonHandOver {
  readonly volume: VolumeToServe;
  readonly mounted: MountedVolume;
}

// Bundled (build-tools.ts), `ltfs` runs as ltfs.mjs beside ltfs-daemon.mjs and needs no loader;
// run from source (tests of the tool itself), it needs tsx for the .ts entry.
const RUNS_BUNDLED = import.meta.url.endsWith(".mjs");
const DAEMON_ENTRY = fileURLToPath(
  new URL(RUNS_BUNDLED ? "./ltfs-daemon.mjs" : "./ltfs-daemon.ts", import.meta.url),
);

function quoteForNodeOptions(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * Starts the detached daemon process. Its command line is `ltfs <daemon entry> <the ltfs
 * arguments>` with argv[0] "ltfs", so that it can be found in /proc by its `-o devname=…` and
 * mount point as a real ltfs daemon can (tsx comes in through NODE_OPTIONS to keep the command
 * line clean). It is started before the mount so that the mount record can name its pid; it
 * waits on stdin for the hand-over (see handOverToDaemon).
 */
export function spawnDaemon(ltfsArgs: readonly string[]): ChildProcess {
  const loader = RUNS_BUNDLED ? undefined : `--import ${quoteForNodeOptions(tsxLoaderPath())}`;
  const nodeOptions = [process.env.NODE_OPTIONS, loader]
    .filter((part) => part !== undefined && part !== "")
    .join(" ");
  return spawn(process.execPath, [DAEMON_ENTRY, ...ltfsArgs], {
    argv0: "ltfs",
    cwd: "/",
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
}

/** Gives the daemon its volume and lets go of it; resolves once the data is in its pipe. */
export function handOverToDaemon(daemon: ChildProcess, handOver: DaemonHandOver): Promise<void> {
  return new Promise((resolve, reject) => {
    const input = daemon.stdin;
    if (input === null) {
      reject(new Error("the daemon has no stdin"));
      return;
    }
    input.on("error", reject);
    input.end(`${JSON.stringify(handOver)}\n`, () => {
      daemon.unref();
      resolve();
    });
  });
}
