import type { Hash } from "node:crypto";
import { readInto, writeFully } from "./fd-io.ts";

/**
 * Size of one read or write: LTFS's block size. Larger chunks measured slower here, because a
 * chunk that no longer fits in the CPU cache is fetched from memory once more for hashing;
 * LTFS and the drive buffer far more than this, so the tape still streams.
 */
export const DEFAULT_CHUNK_BYTES = 512 * 1024;

/**
 * Three buffers: while one is hashed, the one before it is written and the one after it is
 * read — the hash rides on the copy instead of adding a second pass.
 */
export type ChunkBuffers = readonly [Buffer, Buffer, Buffer];

export function allocateChunkBuffers(chunkBytes = DEFAULT_CHUNK_BYTES): ChunkBuffers {
  return [
    Buffer.allocUnsafeSlow(chunkBytes),
    Buffer.allocUnsafeSlow(chunkBytes),
    Buffer.allocUnsafeSlow(chunkBytes),
  ];
}

/** The copy was stopped from outside (its job aborted) between two chunks. */
export class StoppedError extends Error {
  constructor() {
    super("stopped");
    this.name = "StoppedError";
  }
}

/** Marks a promise as handled now; awaiting it later still sees its rejection. */
export function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

export interface PumpOptions {
  /** File descriptors, positioned where the copy starts. */
  readonly source: number;
  readonly destination: number;
  readonly hash: Hash;
  readonly buffers: ChunkBuffers;
  /** Polled before each chunk: true stops the copy with a StoppedError. */
  readonly isStopped?: () => boolean;
  /** Called after each chunk is handed to the destination. */
  readonly onBytes?: (bytes: number) => void;
  /** Turn a read error into the caller's typed error. */
  readonly readFailed: (error: unknown) => Error;
  readonly writeFailed: (error: unknown) => Error;
}

/**
 * Copies the rest of `source` to `destination` and feeds every byte to `hash` on the way:
 * one read of the source. The next read and a write run (in Node's thread pool) while a chunk
 * is hashed, and only one write is ever in flight, so the destination receives the bytes in
 * order. Returns the number of bytes copied. On abort or error no read or write
 * is left running.
 */
export async function pumpWithHash(options: PumpOptions): Promise<number> {
  const { source, destination, hash, buffers, isStopped, onBytes } = options;
  const read = (buffer: Buffer) =>
    settledLater(
      readInto(source, buffer, 0, buffer.length).catch((error: unknown) => {
        throw options.readFailed(error);
      }),
    );
  const write = (buffer: Buffer, length: number) =>
    settledLater(
      writeFully(destination, buffer, length).catch((error: unknown) => {
        throw options.writeFailed(error);
      }),
    );

  let slot = 0;
  let total = 0;
  let pendingRead = read(buffers[0]);
  let pendingWrite: Promise<void> = Promise.resolve();
  let writeSettled = true;
  const startWrite = (buffer: Buffer, length: number) => {
    writeSettled = false;
    pendingWrite = write(buffer, length);
    pendingWrite.then(
      () => {
        writeSettled = true;
      },
      () => {
        writeSettled = true;
      },
    );
  };
  try {
    for (;;) {
      const length = await pendingRead;
      if (length === 0) break;
      if (isStopped?.()) throw new StoppedError();
      const current = buffers[slot] as Buffer;
      slot = (slot + 1) % buffers.length;
      // This buffer's write (two chunks ago) has been awaited, so it is free to read into.
      pendingRead = read(buffers[slot] as Buffer);
      const chunk = current.subarray(0, length);
      if (writeSettled) {
        // The destination is idle: give it this chunk first (a tape wants to keep streaming),
        // and hash while it is written; neither changes the buffer.
        await pendingWrite;
        startWrite(current, length);
        hash.update(chunk);
      } else {
        hash.update(chunk);
        await pendingWrite;
        startWrite(current, length);
      }
      total += length;
      onBytes?.(length);
    }
    await pendingWrite;
    return total;
  } finally {
    await Promise.allSettled([pendingRead, pendingWrite]);
  }
}
