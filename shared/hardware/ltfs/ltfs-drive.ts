import { realpath, statfs } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expectExit, runCommand } from "../../exec/index.ts";
import { findMount, type MountEntry, readMountTable, umountOutcome } from "../mounts/index.ts";
import {
  LtfsCommandFailedError,
  LtfsMountNotConfirmedError,
  LtfsMountPointInUseError,
  LtfsNotMountedError,
  LtfsUnmountBusyError,
  TapeMountedError,
} from "./errors.ts";
import { type LtfsExit, waitForLtfsExit } from "./ltfs-process.ts";
import { type LtfsMessage, parseLtfsOutput } from "./messages.ts";
import { ltfsckResultOrThrow, ltfsMountResultOrThrow, mkltfsResultOrThrow } from "./outcomes.ts";
import { volumeSerialOrThrow } from "./volume-serial.ts";

/** The LTFS tools and umount, each a command name (looked up on PATH) or a path. */
export interface LtfsTools {
  readonly mkltfs: string;
  readonly ltfs: string;
  readonly ltfsck: string;
  readonly umount: string;
}

export interface LtfsDriveOptions {
  readonly tools: LtfsTools;
  /** What LTFS opens: /dev/sgN, a drive serial, or (file backend) a tape folder. */
  readonly device: string;
  readonly mountPoint: string;
  /** The mount table file mount state is read from, normally /proc/mounts. */
  readonly mountTable: string;
  /** Extra `-o` options for every mount, e.g. ["sync_type=unmount"]. */
  readonly mountOptions?: readonly string[];
  /** Extra mkltfs arguments, e.g. ["-e", "file"]. */
  readonly mkltfsOptions?: readonly string[];
  /** Extra ltfsck arguments, e.g. ["-e", "file"]. */
  readonly ltfsckOptions?: readonly string[];
  /** Time limit for every command; without it each gets the generous default of its kind. */
  readonly timeoutMs?: number;
  /** How long unmount waits for the ltfs process to exit. Default 30 minutes. */
  readonly exitTimeoutMs?: number;
  /** How long mount looks for the new mount in the mount table. Default 3 s. */
  readonly mountConfirmTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  /** Runs the commands; tests pass a fake. */
  readonly run?: typeof runCommand;
  /** Where the process table is read from. Default /proc. */
  readonly procRoot?: string;
}

export interface FormatRequest {
  /** Six characters of [0-9A-Z]; see volumeSerialFromBarcode. */
  readonly volumeSerial: string;
  readonly volumeName?: string;
  /** Format even when the tape already holds an LTFS volume (its contents are lost). */
  readonly force?: boolean;
}

export interface FormatResult {
  readonly volumeSerial: string;
  readonly volumeUuid: string | null;
  /** Capacity as mkltfs reports it ("Volume capacity is 3 GB"). */
  readonly capacityGB: number | null;
  readonly messages: readonly LtfsMessage[];
}

/** A confirmed LTFS mount: what the mount table shows, and what ltfs said about the volume. */
export interface LtfsMount {
  readonly device: string;
  readonly mountPoint: string;
  /** As the mount table shows it, e.g. "ltfs:/dev/sg3". */
  readonly source: string;
  /** As the mount table shows it: "fuse.ltfs", or plain "fuse" on older stacks. */
  readonly fsType: string;
  readonly options: readonly string[];
  readonly readOnly: boolean;
  /** Why LTFS chose read-only by itself (a write-protected or full tape), or null. */
  readonly readOnlyReason: string | null;
  /** From LTFS11031I; null when the tape has no barcode in its MAM. */
  readonly volumeSerial: string | null;
  readonly generation: number | null;
  readonly messages: readonly LtfsMessage[];
}

export interface UnmountResult {
  /** False when nothing was mounted (the call only waited for a leftover ltfs process). */
  readonly wasMounted: boolean;
  /** The ltfs processes waited for; they have all exited now. */
  readonly ltfsPids: readonly number[];
  readonly waitedMs: number;
}

export interface CheckRequest {
  /**
   * Also keep the data written after the last index, as raw blocks in /_ltfs_lostandfound
   * (`ltfsck -f`). ltfsck always restores consistency; without this that data is dropped.
   */
  readonly fix?: boolean;
}

export interface CheckResult {
  /** ltfsck had to write a new index to make the volume consistent (after a crash). */
  readonly recovered: boolean;
  readonly volumeSerial: string | null;
  readonly volumeUuid: string | null;
  readonly generation: number | null;
  readonly messages: readonly LtfsMessage[];
}

export interface FreeSpace {
  readonly totalBytes: number;
  readonly freeBytes: number;
}

/** One tape drive driven through LTFS, with its mount point. */
export interface LtfsDrive {
  readonly device: string;
  readonly mountPoint: string;
  /** `mkltfs -d <device> -s <serial> [-n name] [-f]`; refuses while the tape is mounted. */
  format(request: FormatRequest): Promise<FormatResult>;
  /** `ltfs -o devname=<device> [-o ro] … <mountPoint>`, then confirmed in the mount table. */
  mount(request?: { readonly readOnly?: boolean }): Promise<LtfsMount>;
  /** `umount <mountPoint>`, then waits until the ltfs process has exited (index written). */
  unmount(): Promise<UnmountResult>;
  /** Waits until no ltfs process serves this device at this mount point. */
  waitForLtfsExit(): Promise<LtfsExit>;
  /** `ltfsck … <device>`; resolves when the volume is (now) consistent. */
  check(request?: CheckRequest): Promise<CheckResult>;
  isMounted(): Promise<boolean>;
  /** What the mount table shows at the mount point, or null. */
  currentMount(): Promise<MountEntry | null>;
  /** Size and free space of the mounted volume (statfs of the mount point). */
  freeSpace(): Promise<FreeSpace>;
}

/*
 * Default time limits. A tape operation can legitimately take very long: a new LTO-9 cartridge
 * is calibrated on first use (up to two hours), a mount after an unclean unmount reads the whole
 * data partition, and the index of millions of files is written at unmount.
 */
const HOUR_MS = 60 * 60_000;
const DEFAULT_TIMEOUT_MS = {
  mkltfs: 3 * HOUR_MS,
  ltfs: HOUR_MS,
  ltfsck: 3 * HOUR_MS,
  umount: HOUR_MS,
};
const DEFAULT_EXIT_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_MOUNT_CONFIRM_TIMEOUT_MS = 3_000;
const DEFAULT_POLL_INTERVAL_MS = 100;

/**
 * An LTFS drive adapter: formats, mounts, checks and unmounts the tape in one drive, turning the
 * tools' real exit codes and message ids into results or typed errors.
 *
 * @example
 * const drive = createLtfsDrive({ tools: { mkltfs: "mkltfs", ltfs: "ltfs", ltfsck: "ltfsck", umount: "umount" },
 *   device: "/dev/sg3", mountPoint: "/mnt/ltfs0", mountTable: "/proc/mounts" });
 * await drive.format({ volumeSerial: volumeSerialFromBarcode("AAK788L9") });
 * const mount = await drive.mount();
 * await drive.unmount(); // only returns once ltfs has written the index and exited
 */
export function createLtfsDrive(options: LtfsDriveOptions): LtfsDrive {
  const { tools, device, mountPoint, mountTable } = options;
  const run = options.run ?? runCommand;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const where = { device, mountPoint };
  const timeout = (tool: keyof LtfsTools) => options.timeoutMs ?? DEFAULT_TIMEOUT_MS[tool];

  const currentMount = async () => {
    const entries = await readMountTable(mountTable);
    return findMount(entries, mountPoint) ?? findMount(entries, await canonicalMountPoint());
  };

  // The mount table shows the path the kernel resolved: a symlink in the configured mount
  // point's parents would otherwise hide the mount. The mount point itself is not resolved,
  // because a dead FUSE mount there answers "Transport endpoint is not connected".
  const canonicalMountPoint = async () => {
    try {
      return path.join(await realpath(path.dirname(mountPoint)), path.basename(mountPoint));
    } catch {
      return mountPoint;
    }
  };

  const waitForExit = () =>
    waitForLtfsExit({
      device,
      mountPoint,
      procRoot: options.procRoot,
      timeoutMs: options.exitTimeoutMs ?? DEFAULT_EXIT_TIMEOUT_MS,
      pollIntervalMs: Math.min(pollIntervalMs, 50),
    });

  // LTFS does not lock a tape against a second user (two daemons on one tape lose data), so
  // every operation first makes sure the tape is neither mounted nor still being written.
  const refuseWhileMounted = async (operation: string) => {
    if (await currentMount()) throw new TapeMountedError(operation, where);
    await waitForExit();
  };

  const waitForMount = async (): Promise<MountEntry | null> => {
    const deadline =
      performance.now() + (options.mountConfirmTimeoutMs ?? DEFAULT_MOUNT_CONFIRM_TIMEOUT_MS);
    for (;;) {
      const entry = await currentMount();
      if (entry || performance.now() >= deadline) return entry;
      await sleep(pollIntervalMs);
    }
  };

  return {
    device,
    mountPoint,

    async format(request) {
      const volumeSerial = volumeSerialOrThrow(request.volumeSerial);
      await refuseWhileMounted("format");
      const args = [
        "-d",
        device,
        "-s",
        volumeSerial,
        ...(request.volumeName ? ["-n", request.volumeName] : []),
        ...(request.force ? ["-f"] : []),
        ...(options.mkltfsOptions ?? []),
      ];
      const result = await run(tools.mkltfs, args, { timeoutMs: timeout("mkltfs") });
      const outcome = mkltfsResultOrThrow(result, where);
      if (outcome.kind !== "formatted") {
        // Only a wipe (-w in the configured options) ends like this: the tape is now blank.
        throw new LtfsCommandFailedError(result, { ...where, messages: outcome.messages });
      }
      return {
        volumeSerial,
        volumeUuid: outcome.volumeUuid,
        capacityGB: outcome.capacityGB,
        messages: outcome.messages,
      };
    },

    async mount(request = {}) {
      const existing = await currentMount();
      if (existing) throw new LtfsMountPointInUseError(existing.source, existing.fsType, where);
      await waitForExit();
      const args = [
        "-o",
        `devname=${device}`,
        ...(request.readOnly ? ["-o", "ro"] : []),
        ...(options.mountOptions ?? []).flatMap((option) => ["-o", option]),
        mountPoint,
      ];
      const result = await run(tools.ltfs, args, { timeoutMs: timeout("ltfs") });
      const started = ltfsMountResultOrThrow(result, { ...where, mountTable });
      // ltfs exits 0 even when FUSE mounted nothing; only the mount table is proof.
      const entry = await waitForMount();
      if (!entry) {
        const { otherLines } = parseLtfsOutput(result.stderr);
        throw new LtfsMountNotConfirmedError(mountTable, otherLines, {
          ...where,
          messages: started.messages,
        });
      }
      return {
        device,
        mountPoint,
        source: entry.source,
        fsType: entry.fsType,
        options: entry.options,
        readOnly: entry.readOnly,
        readOnlyReason: started.readOnlyReason,
        volumeSerial: started.volumeSerial,
        generation: started.generation,
        messages: started.messages,
      };
    },

    async unmount() {
      const wasMounted = (await currentMount()) !== null;
      if (wasMounted) {
        const result = await run(tools.umount, [mountPoint], { timeoutMs: timeout("umount") });
        const outcome = umountOutcome(result);
        if (outcome.kind === "busy") throw new LtfsUnmountBusyError(outcome.message, where);
        // "not-mounted": it went away meanwhile, which is what was wanted.
        if (outcome.kind === "failed") expectExit(result);
      }
      // The index is complete only when the ltfs process has exited; never report earlier.
      const exit = await waitForExit();
      return { wasMounted, ltfsPids: exit.pids, waitedMs: exit.waitedMs };
    },

    waitForLtfsExit: waitForExit,

    async check(request = {}) {
      await refuseWhileMounted("check");
      const args = [...(options.ltfsckOptions ?? []), ...(request.fix ? ["-f"] : []), device];
      const result = await run(tools.ltfsck, args, { timeoutMs: timeout("ltfsck") });
      const outcome = ltfsckResultOrThrow(result, where);
      return {
        recovered: outcome.recovered,
        volumeSerial: outcome.volumeSerial,
        volumeUuid: outcome.volumeUuid,
        generation: outcome.generation,
        messages: outcome.messages,
      };
    },

    async isMounted() {
      return (await currentMount()) !== null;
    },

    currentMount,

    async freeSpace() {
      // statfs of an unmounted mount point would report the disk underneath it.
      if (!(await currentMount())) throw new LtfsNotMountedError(where);
      const stats = await statfs(mountPoint);
      return { totalBytes: stats.bsize * stats.blocks, freeBytes: stats.bsize * stats.bavail };
    },
  };
}
