import { createHash } from "node:crypto";
import type { BigIntStats } from "node:fs";
import fs from "node:fs";
import { closeFile, openForReading, openForReadingSync, readInto, statOpenFile } from "./fd-io.ts";

/** A small file read whole, ahead of its turn to be written. */
export interface PrefetchedFile {
  readonly data: Buffer;
  /** Bytes read; `data` may be one byte longer. */
  readonly length: number;
  /** Null when the file grew past its scanned size: it must be copied as a stream instead. */
  readonly sha256: string | null;
  /** The source's fstat after the read. */
  readonly stats: BigIntStats;
}

export interface PrefetchTarget {
  readonly absolute: string;
  readonly size: number;
}

export interface PrefetchLimits {
  /** Files up to this size are read whole and ahead; larger ones are streamed in turn. */
  readonly smallFileBytes: number;
  /** How far ahead of the file being written reads may start. */
  readonly aheadFiles: number;
  /** Bytes held in read-ahead buffers at most. */
  readonly aheadBytes: number;
}

/** The source had several hundred microseconds of latency per small file when cold. */
export const DEFAULT_PREFETCH_LIMITS: PrefetchLimits = {
  smallFileBytes: 1024 * 1024,
  aheadFiles: 16,
  aheadBytes: 64 * 1024 * 1024,
};

async function readWhole(target: PrefetchTarget): Promise<PrefetchedFile> {
  const fd = await openForReading(target.absolute);
  try {
    // One byte more than expected tells a file that grew since the scan. A short read of a
    // regular file is its end: the kernel's page cache itself treats it so.
    const data = Buffer.allocUnsafe(target.size + 1);
    const length = await readInto(fd, data, 0, data.length);
    return {
      data,
      length,
      sha256: digestUnlessGrown(target, data, length),
      stats: await statOpenFile(fd),
    };
  } finally {
    await closeFile(fd);
  }
}

/** The SHA-256 of what was read, or null when the file grew since the scan. */
function digestUnlessGrown(target: PrefetchTarget, data: Buffer, length: number): string | null {
  return length > target.size
    ? null
    : createHash("sha256").update(data.subarray(0, length)).digest("hex");
}

function readWholeSync(target: PrefetchTarget): PrefetchedFile {
  const fd = openForReadingSync(target.absolute);
  try {
    const data = Buffer.allocUnsafe(target.size + 1);
    const length = fs.readSync(fd, data, 0, data.length, null);
    return {
      data,
      length,
      sha256: digestUnlessGrown(target, data, length),
      stats: fs.fstatSync(fd, { bigint: true }),
    };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads small files ahead of the writer, several at once, so that the latency of the source
 * (a network share, a cold disk) overlaps with writing; the writer still takes them strictly in
 * order, so the tape receives one file after the other.
 */
export interface SmallFilePrefetcher {
  /** The file at `index` read whole, or null when it is not small (stream it instead). */
  take(index: number): Promise<PrefetchedFile> | null;
  /** Waits for reads still running (after an error or abort). */
  settle(): Promise<void>;
}

export function createSmallFilePrefetcher(
  targets: readonly PrefetchTarget[],
  limits: PrefetchLimits = DEFAULT_PREFETCH_LIMITS,
): SmallFilePrefetcher {
  const pending = new Map<number, Promise<PrefetchedFile>>();
  let nextToStart = 0;
  let bytesAhead = 0;
  let stopped = false;

  const isSmall = (index: number) => (targets[index]?.size ?? 0) <= limits.smallFileBytes;

  const fill = (current: number) => {
    while (
      !stopped &&
      nextToStart < targets.length &&
      nextToStart < current + limits.aheadFiles &&
      bytesAhead < limits.aheadBytes
    ) {
      const index = nextToStart++;
      if (!isSmall(index)) continue;
      const target = targets[index] as PrefetchTarget;
      bytesAhead += target.size;
      const read = readWhole(target);
      read.catch(() => {});
      pending.set(index, read);
    }
  };

  return {
    take(index) {
      if (limits.aheadFiles === 0) {
        if (!isSmall(index)) return null;
        try {
          return Promise.resolve(readWholeSync(targets[index] as PrefetchTarget));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      if (nextToStart <= index) nextToStart = index;
      fill(index);
      const read = pending.get(index);
      if (!read) return null;
      pending.delete(index);
      bytesAhead -= targets[index]?.size ?? 0;
      // Start the reads this one made room for as soon as it is handed over.
      return read.finally(() => fill(index + 1));
    },
    async settle() {
      stopped = true;
      await Promise.allSettled([...pending.values()]);
      pending.clear();
    },
  };
}
