import { createHash } from "node:crypto";
import fs, { constants } from "node:fs";

/** What reading one file gave: its size and SHA-256, or why it could not be read. */
export type FileDigest =
  | { readonly bytes: number; readonly sha256: string; readonly error?: undefined }
  | { readonly error: NodeJS.ErrnoException };

export interface HashTarget {
  readonly absolute: string;
  /** Expected size: small files are read whole and ahead of their turn. */
  readonly size: number;
}

export interface HashFilesOptions {
  /** Size of one read (default 512 KiB, LTFS's block size, which stays in the CPU cache). */
  readonly chunkBytes?: number;
  /** Files up to this size are read whole, several at once (default 1 MiB). */
  readonly smallFileBytes?: number;
  /** Small files read ahead of the one being reported (default 16) and bytes held (64 MiB). */
  readonly aheadFiles?: number;
  readonly aheadBytes?: number;
  readonly signal?: AbortSignal;
  /** Called as bytes are hashed (for progress). */
  readonly onBytes?: (bytes: number) => void;
}

const DEFAULTS = {
  chunkBytes: 512 * 1024,
  smallFileBytes: 1024 * 1024,
  aheadFiles: 16,
  aheadBytes: 64 * 1024 * 1024,
};

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

/*
 * Node's callback API, wrapped: per call it costs about half of fs/promises and FileHandle,
 * which matters with tens of thousands of small files.
 */
function openToRead(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(path, READ_FLAGS, (error, fd) => (error ? reject(error) : resolve(fd)));
  });
}

function readInto(fd: number, buffer: Buffer, offset = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buffer, offset, buffer.length - offset, null, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead),
    );
  });
}

function closeQuietly(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}

function asErrno(error: unknown): NodeJS.ErrnoException {
  return error instanceof Error ? error : new Error(String(error));
}

function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

async function hashWhole(target: HashTarget): Promise<FileDigest> {
  let fd: number;
  try {
    fd = await openToRead(target.absolute);
  } catch (error) {
    return { error: asErrno(error) };
  }
  try {
    // One byte more than expected shows a file that is larger than it should be; a short read
    // of a regular file is its end (the kernel's page cache treats it so, FUSE included).
    let data = Buffer.allocUnsafe(target.size + 1);
    const hash = createHash("sha256");
    const bytesRead = await readInto(fd, data);
    let bytes = bytesRead;
    hash.update(data.subarray(0, bytesRead));
    if (bytesRead === data.length) {
      data = Buffer.allocUnsafe(DEFAULTS.smallFileBytes);
      for (;;) {
        const more = await readInto(fd, data);
        if (more === 0) break;
        hash.update(data.subarray(0, more));
        bytes += more;
      }
    }
    return { bytes, sha256: hash.digest("hex") };
  } catch (error) {
    return { error: asErrno(error) };
  } finally {
    await closeQuietly(fd);
  }
}

/**
 * Hashes a large file with two buffers: the next chunk is read while the current one is
 * hashed, so the hash costs no extra time when reading is the slower part.
 */
async function hashStream(
  target: HashTarget,
  buffers: readonly [Buffer, Buffer],
  options: HashFilesOptions,
): Promise<FileDigest> {
  let fd: number;
  try {
    fd = await openToRead(target.absolute);
  } catch (error) {
    return { error: asErrno(error) };
  }
  let pending = settledLater(readInto(fd, buffers[0]));
  try {
    const hash = createHash("sha256");
    let slot = 0;
    let bytes = 0;
    for (;;) {
      const length = await pending;
      if (length === 0) break;
      options.signal?.throwIfAborted();
      const current = buffers[slot] as Buffer;
      slot = 1 - slot;
      pending = settledLater(readInto(fd, buffers[slot] as Buffer));
      hash.update(current.subarray(0, length));
      bytes += length;
      options.onBytes?.(length);
    }
    return { bytes, sha256: hash.digest("hex") };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return { error: asErrno(error) };
  } finally {
    await Promise.allSettled([pending]);
    await closeQuietly(fd);
  }
}

/**
 * Reads and hashes files, reporting them strictly in the order given (pass them in tape order).
 * Small files are read whole, several at once a little ahead, to hide per-file latency; large
 * files are streamed one at a time with large reads. Each file is read once.
 *
 * @example
 * for await (const { index, digest } of hashFilesInOrder([{ absolute: "/ltfs0/x/a.dat", size: 5 }])) {
 *   digest.error ? console.log(digest.error.code) : console.log(index, digest.sha256);
 * }
 */
export async function* hashFilesInOrder(
  targets: readonly HashTarget[],
  options: HashFilesOptions = {},
): AsyncGenerator<{ readonly index: number; readonly digest: FileDigest }> {
  const chunkBytes = options.chunkBytes ?? DEFAULTS.chunkBytes;
  const smallFileBytes = options.smallFileBytes ?? DEFAULTS.smallFileBytes;
  const aheadFiles = options.aheadFiles ?? DEFAULTS.aheadFiles;
  const aheadBytes = options.aheadBytes ?? DEFAULTS.aheadBytes;
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)] as const;
  const pending = new Map<number, Promise<FileDigest>>();
  let nextToStart = 0;
  let bytesAhead = 0;

  const fill = (current: number) => {
    while (
      nextToStart < targets.length &&
      nextToStart < current + aheadFiles &&
      bytesAhead < aheadBytes
    ) {
      const index = nextToStart++;
      const target = targets[index] as HashTarget;
      if (target.size > smallFileBytes) continue;
      bytesAhead += target.size;
      pending.set(index, settledLater(hashWhole(target)));
    }
  };

  try {
    for (let index = 0; index < targets.length; index++) {
      options.signal?.throwIfAborted();
      if (nextToStart <= index) nextToStart = index;
      fill(index);
      const target = targets[index] as HashTarget;
      const ahead = pending.get(index);
      let digest: FileDigest;
      if (ahead) {
        pending.delete(index);
        digest = await ahead;
        bytesAhead -= target.size;
        if (!digest.error) options.onBytes?.(digest.bytes);
      } else {
        digest = await hashStream(target, buffers, options);
      }
      yield { index, digest };
    }
  } finally {
    await Promise.allSettled([...pending.values()]);
  }
}
