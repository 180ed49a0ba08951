import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import {
  type CreateLibraryOptions,
  createSimulatedLibrary,
} from "../../../../infra/simulator/create-library.ts";
import type { SimulatorLayout } from "../../../../infra/simulator/layout.ts";
import { type CommandResult, runCommand } from "../../../../shared/exec/index.ts";

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system temp dir, removed after the test. */
export function temporaryFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pytarchive-sim-test-"));
  made.push(dir);
  return dir;
}

/** A simulated library in a temporary folder, with instant robot moves unless told otherwise. */
export async function makeLibrary(
  options: Omit<CreateLibraryOptions, "stateDir"> = {},
): Promise<SimulatorLayout> {
  return createSimulatedLibrary({
    moveDelayMs: 0,
    ...options,
    stateDir: path.join(temporaryFolder(), "library"),
  });
}

/** Runs one of the library's executables (`<state>/bin/<tool>`) as the product would. */
export function runTool(
  layout: SimulatorLayout,
  tool: string,
  args: readonly string[],
): Promise<CommandResult> {
  return runCommand(path.join(layout.binDir, tool), args, { timeoutMs: 60_000 });
}

/** `mtx -f <state>/changer ...args` */
export function mtx(layout: SimulatorLayout, ...args: string[]): Promise<CommandResult> {
  return runTool(layout, "mtx", ["-f", layout.changerDevice, ...args]);
}

/** `tapeinfo -f <state>/drives/<n>` */
export function tapeinfo(layout: SimulatorLayout, driveIndex: number): Promise<CommandResult> {
  return runTool(layout, "tapeinfo", ["-f", layout.driveDevice(driveIndex)]);
}

/** A captured real output, as copied byte for byte under test/fixtures/. */
export function fixture(relativePath: string): string {
  return fs.readFileSync(
    new URL(`../../../fixtures/real/${relativePath}`, import.meta.url),
    "utf8",
  );
}

/** Pretends LTFS holds drive n: a mount record naming a live process (this test runner). */
export function fakeMountRecord(
  layout: SimulatorLayout,
  driveIndex: number,
  barcode: string,
): void {
  fs.writeFileSync(
    layout.mountRecord(driveIndex),
    JSON.stringify({
      pid: process.pid,
      mountPoint: layout.defaultMountPoint(driveIndex),
      barcode,
      readOnly: false,
    }),
  );
}
