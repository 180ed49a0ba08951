import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { simulatorLayout } from "../../../../infra/simulator/layout.ts";
import {
  type LibraryState,
  type SimulatedCartridge,
  writeLibrary,
} from "../../../../infra/simulator/library-state.ts";

/**
 * A small hand-made simulated library for the LTFS-side tests: library.json, one folder per
 * tape under tapes/, drive symlinks for loaded drives, an empty mount point per drive.
 */
export interface TestLibrary {
  readonly stateDir: string;
  /** `<state>/drives/<n>`: the device name mkltfs, ltfs and ltfsck get. */
  device(driveIndex: number): string;
  /** `<state>/mnt/<n>`: an empty folder to mount drive n's tape on. */
  mountPoint(driveIndex: number): string;
  tapeDir(barcode: string): string;
  /** Unmounts whatever is left, kills leftover daemons, detaches loop devices, deletes it all. */
  cleanup(): void;
}

export interface TestTape extends Partial<SimulatedCartridge> {
  readonly barcode: string;
}

export interface TestLibraryOptions {
  readonly tapes: readonly TestTape[];
  /** Drive number → barcode of the tape loaded in it. */
  readonly loaded?: Readonly<Record<number, string>>;
  readonly drives?: number;
}

export function createTestLibrary(options: TestLibraryOptions): TestLibrary {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ltfs-sim-test-"));
  const layout = simulatorLayout(stateDir);
  const driveCount = options.drives ?? 2;
  const loaded = options.loaded ?? {};
  for (const dir of [layout.drivesDir, layout.tapesDir, layout.runDir]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  const cartridges: Record<string, SimulatedCartridge> = {};
  for (const tape of options.tapes) {
    cartridges[tape.barcode] = {
      capacityMiB: tape.capacityMiB ?? 64,
      cleaning: tape.cleaning ?? false,
      writeProtected: tape.writeProtected ?? false,
    };
    fs.mkdirSync(layout.tapeDir(tape.barcode));
  }
  const state: LibraryState = {
    version: 1,
    vendor: "IBM",
    product: "3573-TL",
    drives: Array.from({ length: driveCount }, (_, index) => ({
      index,
      barcode: loaded[index] ?? null,
      sourceSlot: loaded[index] === undefined ? null : index + 1,
      serial: `SIMDRV${String(index).padStart(4, "0")}`,
    })),
    slots: options.tapes.map((tape, index) => ({
      index: index + 1,
      barcode: Object.values(loaded).includes(tape.barcode) ? null : tape.barcode,
      importExport: false,
    })),
    cartridges,
  };
  writeLibrary(stateDir, state);
  for (let index = 0; index < driveCount; index += 1) {
    fs.mkdirSync(path.join(stateDir, "mnt", String(index)), { recursive: true });
    const barcode = loaded[index];
    if (barcode !== undefined) fs.symlinkSync(`../tapes/${barcode}`, layout.driveDevice(index));
  }
  return {
    stateDir,
    device: (driveIndex) => layout.driveDevice(driveIndex),
    mountPoint: (driveIndex) => path.join(stateDir, "mnt", String(driveIndex)),
    tapeDir: (barcode) => layout.tapeDir(barcode),
    cleanup: () => cleanupLibrary(stateDir),
  };
}

function mountsBelow(dir: string): string[] {
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => point?.startsWith(`${dir}/`) === true)
    .map((point) => point.replace(/\\040/g, " "))
    .reverse();
}

function cleanupLibrary(stateDir: string): void {
  const runDir = simulatorLayout(stateDir).runDir;
  for (const file of fs.existsSync(runDir) ? fs.readdirSync(runDir) : []) {
    if (!/^drive\d+\.json$/.test(file)) continue;
    try {
      const { pid } = JSON.parse(fs.readFileSync(path.join(runDir, file), "utf8")) as {
        pid: number;
      };
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  for (const point of mountsBelow(stateDir)) {
    try {
      execFileSync("umount", ["--lazy", point], { stdio: "ignore" });
    } catch {
      // Unmounted meanwhile.
    }
  }
  const images = fs.existsSync(path.join(stateDir, "tapes"))
    ? fs
        .readdirSync(path.join(stateDir, "tapes"))
        .map((barcode) => path.join(stateDir, "tapes", barcode, "medium.img"))
    : [];
  for (const name of fs.readdirSync("/sys/block").filter((entry) => entry.startsWith("loop"))) {
    let backing = "";
    try {
      backing = fs.readFileSync(`/sys/block/${name}/loop/backing_file`, "utf8").trim();
    } catch {
      continue;
    }
    if (images.some((image) => backing.startsWith(image))) {
      try {
        execFileSync("losetup", ["--detach", `/dev/${name}`], { stdio: "ignore" });
      } catch {
        // Detached meanwhile.
      }
    }
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
}

const REPOSITORY = fileURLToPath(new URL("../../../../", import.meta.url));

export type SimulatedTool = "mkltfs" | "ltfs" | "ltfsck" | "exportfs" | "fuser";

const ENTRIES: Record<SimulatedTool, string> = {
  mkltfs: "infra/simulator/ltfs/mkltfs.ts",
  ltfs: "infra/simulator/ltfs/ltfs.ts",
  ltfsck: "infra/simulator/ltfs/ltfsck.ts",
  exportfs: "infra/simulator/nfs/exportfs.ts",
  fuser: "infra/simulator/nfs/fuser.ts",
};

export interface ToolRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a simulated tool's entry file as the wrappers do: `node --import tsx/esm <entry> args`. */
export function runTool(
  tool: SimulatedTool,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx/esm", path.join(REPOSITORY, ENTRIES[tool]), ...args],
      { cwd: REPOSITORY, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        if (typeof code !== "number") {
          reject(error);
          return;
        }
        resolve({ exitCode: code, stdout, stderr });
      },
    );
  });
}

/** The LTFS message ids in a tool's stderr, in order ("15024I", …), thread ids dropped. */
export function messageIds(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((line) => /^(?:[0-9a-f]+ )?LTFS(\d{5}[EWID]) /.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
}

/** The pid in a drive's mount record, or null when there is none. */
export function recordedDaemonPid(library: TestLibrary, driveIndex: number): number | null {
  try {
    const file = simulatorLayout(library.stateDir).mountRecord(driveIndex);
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number }).pid;
  } catch {
    return null;
  }
}

/** Whether a process is running (a zombie has exited: its parent just has not reaped it). */
export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The /proc/mounts line of a mount point, or undefined. */
export function procMountsLine(mountPoint: string): string | undefined {
  return fs
    .readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .find((line) => line.split(" ")[1] === mountPoint);
}

export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  intervalMs = 20,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return condition();
}

export function umount(mountPoint: string): void {
  execFileSync("umount", [mountPoint]);
}
