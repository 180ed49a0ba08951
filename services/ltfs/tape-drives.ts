import fs from "node:fs/promises";
import path from "node:path";
import type { DriveConfig, PytarchiveConfig } from "../../shared/config/index.ts";
import { createLtfsDrive, type LtfsDrive } from "../../shared/hardware/ltfs/index.ts";

/** Tunables of the LTFS adapter that tests shorten. */
export interface TapeDriveOptions {
  /** How long an unmount waits for the ltfs process to exit (index written). Default 30 min. */
  readonly exitTimeoutMs?: number;
}

/** The LTFS adapter for one configured drive: its tools, mount point and `[LTFS]` options. */
export function ltfsDriveFor(
  config: PytarchiveConfig,
  drive: DriveConfig,
  options: TapeDriveOptions = {},
): LtfsDrive {
  return createLtfsDrive({
    tools: config.tools,
    device: drive.device,
    mountPoint: drive.mountPoint,
    mountTable: config.paths.mountTable,
    mountOptions: config.ltfs.mountOptions,
    mkltfsOptions: config.ltfs.mkltfsOptions,
    ltfsckOptions: config.ltfs.ltfsckOptions,
    ...(options.exitTimeoutMs === undefined ? {} : { exitTimeoutMs: options.exitTimeoutMs }),
  });
}

/**
 * Creates a missing mount point when it lies inside the state folder (the defaults do). One
 * elsewhere is left alone: it may sit on a disk that is not mounted yet, and ltfs then says
 * that it is missing (LTFS14094E) with a hint to create it.
 */
export async function ensureMountPoint(
  config: PytarchiveConfig,
  mountPoint: string,
): Promise<void> {
  if (!isInside(mountPoint, config.paths.stateDir)) return;
  await fs.mkdir(mountPoint, { recursive: true });
}

export function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}
