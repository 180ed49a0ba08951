import type { DriveConfig, PytarchiveConfig } from "../../shared/config/index.ts";
import {
  findLtfsProcesses,
  type LtfsDrive,
  LtfsMountPointInUseError,
  TapeNeedsRecoveryError,
  TapeNotFormattedError,
} from "../../shared/hardware/ltfs/index.ts";
import { isLtfsMount } from "../../shared/hardware/mounts/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { StepProgress } from "../../shared/steps/index.ts";
import { LTFS_SERVICE_ERROR_CODES as CODES, ltfsServiceError } from "./ltfs-service-errors.ts";
import { ensureMountPoint } from "./tape-drives.ts";

/** One drive with the tape a job works on, and how the step reports. */
export interface DriveSession {
  readonly config: PytarchiveConfig;
  readonly driveConfig: DriveConfig;
  readonly drive: LtfsDrive;
  readonly barcode: string;
  /** Adds jobId, drive and barcode to every line. */
  readonly log: Logger;
  readonly progress: (update: StepProgress) => void;
}

export interface MountRequest {
  readonly readOnly: boolean;
  /**
   * What to do about a blank tape (LTFS17168E): format it and resolve (the mount is then tried
   * again), or throw.
   */
  readonly onBlank: (error: TapeNotFormattedError) => Promise<void>;
}

export interface MountedTape {
  readonly readOnly: boolean;
  /** "already": it was mounted so before the step; "mounted": now (maybe after an unmount). */
  readonly how: "already" | "mounted";
  /** It was mounted in the other mode and had to be unmounted first. */
  readonly remounted: boolean;
  /** onBlank formatted it. */
  readonly formatted: boolean;
  /** ltfsck had to recover it after an unclean unmount. */
  readonly recovered: boolean;
  /** From LTFS's mount message; null when it was mounted already or LTFS did not say. */
  readonly volumeSerial: string | null;
}

/**
 * Makes sure the job's tape is mounted at its drive's mount point in the wanted mode: already
 * so → nothing to do; in the other mode → unmount (waiting for LTFS to write its index) and
 * mount again; a mount whose ltfs process is gone (LTFS crashed) → unmount it and mount again.
 * A tape that needs recovery (LTFS11220E) is checked with ltfsck once, then mounted.
 */
export async function ensureTapeMounted(
  session: DriveSession,
  request: MountRequest,
): Promise<MountedTape> {
  const { drive, driveConfig, barcode, log, progress } = session;
  const mode = request.readOnly ? "read-only" : "read-write";
  let remounted = false;
  const current = await drive.currentMount();
  if (current !== null && !isLtfsMount(current)) {
    // Someone else's file system: never unmounted by us, and never hidden under a tape.
    throw new LtfsMountPointInUseError(current.source, current.fsType, {
      device: drive.device,
      mountPoint: drive.mountPoint,
    });
  }
  if (current !== null) {
    const serving = await findLtfsProcesses({
      device: drive.device,
      mountPoint: drive.mountPoint,
    });
    if (serving.length === 0) {
      // Without its daemon a FUSE mount only answers "Transport endpoint is not connected".
      log.warn(
        "the tape's mount has no ltfs process (LTFS stopped without unmounting); unmounting it",
        { mountPoint: drive.mountPoint },
      );
      progress({
        text: `LTFS of drive ${driveConfig.element} had stopped: unmounting what it left`,
      });
      await drive.unmount();
    } else if (current.readOnly === request.readOnly) {
      return {
        readOnly: current.readOnly,
        how: "already",
        remounted: false,
        formatted: false,
        recovered: false,
        volumeSerial: null,
      };
    } else {
      progress({
        text: `tape ${barcode} is mounted ${current.readOnly ? "read-only" : "read-write"}: unmounting it to mount it ${mode}`,
      });
      log.info("remounting in the other mode", { readOnly: request.readOnly });
      await drive.unmount();
      remounted = true;
    }
  }

  await ensureMountPoint(session.config, drive.mountPoint);
  let formatted = false;
  let recovered = false;
  for (;;) {
    progress({ text: `mounting tape ${barcode} in drive ${driveConfig.element} ${mode}` });
    try {
      const mount = await drive.mount({ readOnly: request.readOnly });
      if (mount.readOnly && !request.readOnly) {
        throw ltfsServiceError(
          CODES.tapeReadOnly,
          `LTFS mounted tape ${barcode} in drive ${driveConfig.element} read-only by itself${mount.readOnlyReason ? ` (${mount.readOnlyReason})` : ""}, so nothing can be written to it.`,
          "A write-protected cartridge: slide its tab to unlocked. A full tape: archive onto another one (`pytarchive summary` suggests one).",
        );
      }
      log.info("tape mounted", {
        mountPoint: drive.mountPoint,
        readOnly: mount.readOnly,
        volumeSerial: mount.volumeSerial,
        generation: mount.generation,
      });
      return {
        readOnly: mount.readOnly,
        how: "mounted",
        remounted,
        formatted,
        recovered,
        volumeSerial: mount.volumeSerial,
      };
    } catch (error) {
      if (error instanceof TapeNeedsRecoveryError && !recovered) {
        const text = `tape ${barcode} needs recovery after an unclean unmount: running ltfsck`;
        log.warn(text);
        progress({ text });
        const check = await drive.check();
        log.info("ltfsck finished", {
          recovered: check.recovered,
          generation: check.generation,
        });
        recovered = true;
        continue;
      }
      if (error instanceof TapeNotFormattedError && !formatted) {
        await request.onBlank(error);
        formatted = true;
        continue;
      }
      throw error;
    }
  }
}

/** onBlank for steps that never format: the blank tape's own error. */
export async function refuseBlank(error: TapeNotFormattedError): Promise<void> {
  throw error;
}
