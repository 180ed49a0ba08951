import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createSimulatedLibrary } from "../../../infra/simulator/create-library.ts";
import { type PytarchiveConfig, parseConfig } from "../../../shared/config/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { createLtfsDrive, type LtfsDrive } from "../../../shared/hardware/ltfs/index.ts";
import { createMtxChanger } from "../../../shared/hardware/mtx/index.ts";

/** A formatted tape of a fresh simulated library, loaded in drive 0 and mounted read-write. */
export interface MountedSimulatedTape {
  readonly stateDir: string;
  readonly config: PytarchiveConfig;
  readonly drive: LtfsDrive;
  readonly mountPoint: string;
  /** Unmounts (waiting for the index to be written) and deletes the library. */
  dispose(): Promise<void>;
}

const SIM_CLI = path.resolve(import.meta.dirname, "../../../bin/pytarchive-sim.mjs");

/**
 * Sets up a tape the way the product will: the simulator's `env` lines read as pytarchive.conf,
 * the changer loads the tape, the LTFS adapter formats and mounts it.
 */
export async function mountSimulatedTape(options: {
  readonly capacityMiB: number;
  readonly barcode?: string;
  readonly parentDir?: string;
}): Promise<MountedSimulatedTape> {
  const barcode = options.barcode ?? "ENG001L9";
  const stateDir = fs.mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), "pyt-engine-lib-"));
  await createSimulatedLibrary({
    stateDir,
    drives: 1,
    slots: 4,
    importExportSlots: 0,
    barcodes: [barcode],
    capacityMiB: options.capacityMiB,
    moveDelayMs: 0,
  });
  const env = expectExit(
    await runCommand(process.execPath, [SIM_CLI, "env", "--state", stateDir]),
  ).stdout;
  const config = parseConfig(env, "pytarchive.conf", {});
  const changer = createMtxChanger({ mtxPath: config.tools.mtx, device: config.device.library });
  await changer.load(1, 0);
  const driveConfig = config.device.drives[0];
  if (!driveConfig) throw new Error("the simulated library has no drive 0");
  const drive = createLtfsDrive({
    tools: config.tools,
    device: driveConfig.device,
    mountPoint: driveConfig.mountPoint,
    mountTable: config.paths.mountTable,
    mountOptions: config.ltfs.mountOptions,
  });
  await drive.format({ volumeSerial: barcode.slice(0, 6) });
  await drive.mount();
  return {
    stateDir,
    config,
    drive,
    mountPoint: drive.mountPoint,
    async dispose() {
      try {
        if (await drive.isMounted()) await drive.unmount();
      } catch {
        await runCommand("umount", ["-l", drive.mountPoint]);
      }
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
