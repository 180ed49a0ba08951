import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { DriveConfig, PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { type LtfsDrive, LtfsUnmountBusyError } from "../../shared/hardware/ltfs/index.ts";
import { isLtfsMount } from "../../shared/hardware/mounts/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { tapeOfJob } from "../../shared/steps/index.ts";
import type { DriveLocks } from "./drive-locks.ts";
import { ensureTapeMounted, refuseBlank } from "./mount-tape.ts";
import {
  compareVolumes,
  readVolumeIdentity,
  serialOfBarcode,
  type VolumeIdentity,
} from "./volume-identity.ts";

/*
 * A stop of pytarchive must not leave a tape mounted: a host switched off while LTFS holds a tape
 * loses the tape's index. So the ltfs service unmounts at stop, and notes each drive it unmounted
 * (mode, volume serial and UUID, and the barcode of the job that had it) so that the next start
 * mounts it again: the job that had it mounted is still between its mount and unmount steps, and
 * its next step (here or in verification or export, which start after this service) expects the
 * tape mounted as before. Only the same tape: a cartridge swapped while pytarchive was down is
 * unmounted again, so that the job's next step fails (nothing mounted) instead of writing onto,
 * or reading from, a tape the catalog does not mean.
 */

/** One drive as the service runs it. */
export interface StopDrive {
  readonly config: DriveConfig;
  readonly ltfs: LtfsDrive;
}

/** What a stop wrote down about a drive it unmounted. */
interface StopNote extends VolumeIdentity {
  readonly readOnly: boolean;
  /** What the mount table showed, e.g. "ltfs:/dev/sg3". */
  readonly source: string;
  readonly unmountedAt: string;
  /** The tape of the job that had the drive, as the catalog said; null when it could not say. */
  readonly barcode: string | null;
  readonly jobId: string | null;
}

/** The tape the catalog has a running job use in a drive. */
export interface TapeInDrive {
  readonly barcode: string;
  readonly jobId: string;
}

/**
 * Asks the catalog which tape the running job given `drive` works on; null when no running job
 * has it or the catalog does not answer (a stop must not wait for it: the unmount matters more).
 */
export function catalogTapeInDrive(
  catalog: CatalogClient,
): (drive: number) => Promise<TapeInDrive | null> {
  return async (drive) => {
    try {
      const { running } = await catalog.call("queue", {});
      const job = running.find((candidate) => candidate.drive === drive);
      if (job === undefined) return null;
      return { barcode: await tapeOfJob(job, catalog), jobId: job.id };
    } catch {
      return null;
    }
  };
}

/** A drive whose tape a stop could not unmount. */
export interface UnmountFailure {
  readonly drive: number;
  readonly mountPoint: string;
  readonly error: unknown;
}

/** What a stop did with the drives' tapes. */
export interface StopUnmounts {
  readonly unmounted: readonly number[];
  readonly failed: readonly UnmountFailure[];
}

/** Where the notes of unmounts at stop are kept. */
export function stopNotesFolder(config: PytarchiveConfig): string {
  return path.join(config.paths.stateDir, "ltfs", "unmounted-at-stop");
}

function noteFile(folder: string, drive: number): string {
  return path.join(folder, `drive-${drive}.json`);
}

/**
 * Unmounts every LTFS mount of the drives, each once no step holds its drive, and waits for each
 * ltfs process to exit (its index is on the tape then). Drives are unmounted side by side. A
 * failure is logged as an error naming the drive, its mount point and what to do, and the others
 * go on; the caller makes the stop end unclean (stopFailure).
 */
export async function unmountAtStop(options: {
  readonly config: PytarchiveConfig;
  readonly drives: readonly StopDrive[];
  readonly locks: DriveLocks;
  readonly log: Logger;
  /** Which tape the catalog has in a drive, for the note; default: it is not asked. */
  readonly tapeInDrive?: (drive: number) => Promise<TapeInDrive | null>;
  /** How long a failed unmount is tried again; default UNMOUNT_PATIENCE_MS. */
  readonly unmountPatienceMs?: number;
}): Promise<StopUnmounts> {
  const folder = stopNotesFolder(options.config);
  const outcomes = await Promise.all(
    options.drives.map(({ config, ltfs }) =>
      options.locks.withDrive(
        config.element,
        undefined,
        async (): Promise<number | UnmountFailure | null> => {
          const log = options.log.child({ drive: config.element });
          try {
            const mount = await ltfs.currentMount();
            if (mount === null || !isLtfsMount(mount)) return null;
            const [identity, tape] = await Promise.all([
              readVolumeIdentity(ltfs.mountPoint),
              options.tapeInDrive?.(config.element) ?? Promise.resolve(null),
            ]);
            const note: StopNote = {
              readOnly: mount.readOnly,
              source: mount.source,
              unmountedAt: new Date().toISOString(),
              ...identity,
              barcode: tape?.barcode ?? null,
              jobId: tape?.jobId ?? null,
            };
            // The note goes first: a stop cut short after the unmount still mounts it again.
            await mkdir(folder, { recursive: true });
            await writeFile(noteFile(folder, config.element), `${JSON.stringify(note)}\n`);
            log.info("stopping: unmounting the tape so that LTFS writes its index", {
              mountPoint: ltfs.mountPoint,
              barcode: note.barcode,
              volumeSerial: note.volumeSerial,
            });
            const result = await unmountWhenFree(
              ltfs,
              log,
              options.unmountPatienceMs ?? UNMOUNT_PATIENCE_MS,
            );
            log.info("stopping: tape unmounted; LTFS has exited (index written)", {
              ltfsPids: result.ltfsPids,
              waitedMs: result.waitedMs,
            });
            return config.element;
          } catch (error) {
            log.error(
              `stopping: the tape in drive ${config.element} could NOT be unmounted and may still be mounted at ${ltfs.mountPoint}; do not switch the host off or unload the tape until it is unmounted`,
              {
                mountPoint: ltfs.mountPoint,
                device: ltfs.device,
                error,
                hint: unmountHint(ltfs),
              },
            );
            return { drive: config.element, mountPoint: ltfs.mountPoint, error };
          }
        },
      ),
    ),
  );
  return {
    unmounted: outcomes.filter((outcome) => typeof outcome === "number"),
    failed: outcomes.filter(
      (outcome): outcome is UnmountFailure => outcome !== null && typeof outcome === "object",
    ),
  };
}

/** How long a stop keeps trying an unmount that failed (busy, or `umount` itself killed). */
const UNMOUNT_PATIENCE_MS = 15_000;
const UNMOUNT_RETRY_INTERVAL_MS = 500;

/**
 * Unmounts, trying again for a while when it failed: a file that a stopped step or a reader
 * outside pytarchive just closed, or an `umount` ended by a signal (Ctrl-C reaches every process
 * of the terminal's group, and a command spawned at that instant may not have left it yet), must
 * not leave the tape mounted for good. Once the mount is gone, the next try only waits for LTFS
 * to exit (its index is written then).
 */
async function unmountWhenFree(
  ltfs: LtfsDrive,
  log: Logger,
  patienceMs: number,
): Promise<Awaited<ReturnType<LtfsDrive["unmount"]>>> {
  const giveUpAt = Date.now() + patienceMs;
  for (;;) {
    try {
      return await ltfs.unmount();
    } catch (error) {
      if (Date.now() >= giveUpAt) throw error;
      log.warn(
        error instanceof LtfsUnmountBusyError
          ? "stopping: the mount is busy; trying the unmount again"
          : "stopping: the unmount failed; trying it again",
        { mountPoint: ltfs.mountPoint, retryInMs: UNMOUNT_RETRY_INTERVAL_MS, error },
      );
      await sleep(UNMOUNT_RETRY_INTERVAL_MS);
    }
  }
}

function unmountHint(ltfs: LtfsDrive): string {
  return `Unmount it by hand: \`umount ${ltfs.mountPoint}\`, then wait until no ltfs process serves it (\`pgrep -af ltfs\`) before switching off or unloading; \`fuser -vm ${ltfs.mountPoint}\` shows what keeps it busy.`;
}

/**
 * The error a stop ends with when tapes stayed mounted: the launcher then exits non-zero, and the
 * operator reads which drives to see to.
 */
export function stopFailure(failed: readonly UnmountFailure[]): PytarchiveError {
  const drives = failed.map((failure) => `drive ${failure.drive} at ${failure.mountPoint}`);
  return new PytarchiveError(
    "TAPE_LEFT_MOUNTED",
    `pytarchive stopped, but the tape in ${drives.join(" and in ")} could not be unmounted: LTFS may not have written its index yet.`,
    {
      hint: `Before switching the host off or unloading a tape: \`umount ${failed.map((failure) => failure.mountPoint).join(" ")}\`, then wait until no ltfs process is left (\`pgrep -af ltfs\`). The next start mounts the tape again for its job.`,
    },
  );
}

/**
 * Mounts again, in the same mode, each drive a stop unmounted, before the service takes steps,
 * once a read-only mount showed it is the tape the stop unmounted (volume serial and UUID as
 * LTFS shows them, or the serial of the job's barcode). Another tape, or one that cannot be told, is unmounted
 * again and left: the job's next step then fails with nothing mounted. A tape that cannot be
 * mounted is logged and left too. Resolves with the drives mounted again.
 */
export async function remountAfterStop(options: {
  readonly config: PytarchiveConfig;
  readonly drives: readonly StopDrive[];
  readonly log: Logger;
}): Promise<number[]> {
  const folder = stopNotesFolder(options.config);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const remounted: number[] = [];
  for (const { config, ltfs } of options.drives) {
    const file = noteFile(folder, config.element);
    if (!names.includes(path.basename(file))) continue;
    const log = options.log.child({ drive: config.element });
    try {
      const note = noteOf(JSON.parse(await readFile(file, "utf8")));
      const session = {
        config: options.config,
        driveConfig: config,
        drive: ltfs,
        barcode: note.barcode ?? `(the tape in drive ${config.element})`,
        log,
        progress: () => {},
      };
      // Read-only first: a tape swapped in meanwhile is looked at, never written to (a
      // read-write mount may write an index at its unmount).
      let mounted = await ensureTapeMounted(session, { readOnly: true, onBlank: refuseBlank });
      const shown = await readVolumeIdentity(ltfs.mountPoint);
      const found: VolumeIdentity = {
        volumeSerial: mounted.volumeSerial ?? shown.volumeSerial,
        volumeUuid: shown.volumeUuid,
      };
      const expected: VolumeIdentity = {
        volumeSerial:
          note.volumeSerial ?? (note.barcode === null ? null : serialOfBarcode(note.barcode)),
        volumeUuid: note.volumeUuid,
      };
      const verdict = compareVolumes(expected, found);
      if (verdict !== "same") {
        await ltfs.unmount();
        log.error(
          verdict === "different"
            ? `the tape in drive ${config.element} is not the one the last stop unmounted: expected ${describeVolume(note.barcode, expected)}, found ${describeVolume(null, found)}; it was unmounted again and nothing was written to it`
            : `the tape in drive ${config.element} could not be told to be the one the last stop unmounted (LTFS shows no volume serial or UUID to compare); it was unmounted again and nothing was written to it`,
          {
            ...(note.jobId === null ? {} : { jobId: note.jobId }),
            barcode: note.barcode,
            expected,
            found,
            mountPoint: ltfs.mountPoint,
            hint: `The job's next step fails with nothing mounted. Put ${note.barcode === null ? "the tape the job was using" : `cartridge ${note.barcode}`} back (\`pytarchive tapes\` shows where the catalog expects it) and requeue the job (\`pytarchive requeue\`).`,
          },
        );
      } else {
        if (!note.readOnly) {
          mounted = await ensureTapeMounted(session, { readOnly: false, onBlank: refuseBlank });
        }
        log.info("mounted the tape again that the last stop unmounted", {
          readOnly: mounted.readOnly,
          source: note.source,
          unmountedAt: note.unmountedAt,
          barcode: note.barcode,
          volumeSerial: found.volumeSerial,
        });
        remounted.push(config.element);
      }
    } catch (error) {
      log.warn("could not mount the tape again that the last stop unmounted", { error });
    }
    await rm(file, { force: true });
  }
  return remounted;
}

/** A note as read back; notes of an older version lack the volume and the barcode. */
function noteOf(value: unknown): StopNote {
  const note = (value ?? {}) as Partial<Record<keyof StopNote, unknown>>;
  const text = (field: unknown): string | null => (typeof field === "string" ? field : null);
  return {
    readOnly: note.readOnly === true,
    source: text(note.source) ?? "",
    unmountedAt: text(note.unmountedAt) ?? "",
    volumeSerial: text(note.volumeSerial),
    volumeUuid: text(note.volumeUuid),
    barcode: text(note.barcode),
    jobId: text(note.jobId),
  };
}

function describeVolume(barcode: string | null, identity: VolumeIdentity): string {
  const parts = [
    barcode === null ? null : `tape ${barcode}`,
    `volume serial ${identity.volumeSerial ?? "unknown"}`,
    identity.volumeUuid === null ? null : `UUID ${identity.volumeUuid}`,
  ];
  return parts.filter((part) => part !== null).join(", ");
}
