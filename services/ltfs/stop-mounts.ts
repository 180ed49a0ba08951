import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DriveConfig, PytarchiveConfig } from "../../shared/config/types.ts";
import type { LtfsDrive } from "../../shared/hardware/ltfs/index.ts";
import { isLtfsMount } from "../../shared/hardware/mounts/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { DriveLocks } from "./drive-locks.ts";
import { ensureTapeMounted, refuseBlank } from "./mount-tape.ts";

/*
 * A stop of pytarchive must not leave a tape mounted: a host switched off while LTFS holds a tape
 * loses the tape's index. So the ltfs service unmounts at stop, and notes each drive it unmounted
 * (mode and volume) so that the next start mounts it again: the job that had it mounted is still
 * between its mount and unmount steps, and its next step (here or in verification or export, which
 * start after this service) expects the tape mounted as before.
 */

/** One drive as the service runs it. */
export interface StopDrive {
  readonly config: DriveConfig;
  readonly ltfs: LtfsDrive;
}

/** What a stop wrote down about a drive it unmounted. */
interface StopNote {
  readonly readOnly: boolean;
  /** What the mount table showed, e.g. "ltfs:/dev/sg3". */
  readonly source: string;
  readonly unmountedAt: string;
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
 * failure is logged and the others go on. Resolves with the drives that were unmounted.
 */
export async function unmountAtStop(options: {
  readonly config: PytarchiveConfig;
  readonly drives: readonly StopDrive[];
  readonly locks: DriveLocks;
  readonly log: Logger;
}): Promise<number[]> {
  const folder = stopNotesFolder(options.config);
  const done = await Promise.all(
    options.drives.map(({ config, ltfs }) =>
      options.locks.withDrive(config.element, undefined, async () => {
        const log = options.log.child({ drive: config.element });
        try {
          const mount = await ltfs.currentMount();
          if (mount === null || !isLtfsMount(mount)) return null;
          const note: StopNote = {
            readOnly: mount.readOnly,
            source: mount.source,
            unmountedAt: new Date().toISOString(),
          };
          // The note goes first: a stop cut short after the unmount still mounts it again.
          await mkdir(folder, { recursive: true });
          await writeFile(noteFile(folder, config.element), `${JSON.stringify(note)}\n`);
          log.info("stopping: unmounting the tape so that LTFS writes its index", {
            mountPoint: ltfs.mountPoint,
          });
          const result = await ltfs.unmount();
          log.info("stopping: tape unmounted; LTFS has exited (index written)", {
            ltfsPids: result.ltfsPids,
            waitedMs: result.waitedMs,
          });
          return config.element;
        } catch (error) {
          log.error("stopping: could not unmount the tape", { mountPoint: ltfs.mountPoint, error });
          return null;
        }
      }),
    ),
  );
  return done.filter((drive) => drive !== null);
}

/**
 * Mounts again, in the same mode, each drive a stop unmounted, before the service takes steps.
 * A tape that cannot be mounted is logged and left: the job's next step then reports it.
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
      const note = JSON.parse(await readFile(file, "utf8")) as StopNote;
      const barcode = `(the tape in drive ${config.element})`;
      const mounted = await ensureTapeMounted(
        {
          config: options.config,
          driveConfig: config,
          drive: ltfs,
          barcode,
          log,
          progress: () => {},
        },
        { readOnly: note.readOnly, onBlank: refuseBlank },
      );
      log.info("mounted the tape again that the last stop unmounted", {
        readOnly: mounted.readOnly,
        source: note.source,
        unmountedAt: note.unmountedAt,
      });
      remounted.push(config.element);
    } catch (error) {
      log.warn("could not mount the tape again that the last stop unmounted", { error });
    }
    await rm(file, { force: true });
  }
  return remounted;
}
