import {
  createReadAhead,
  DEFAULT_CHUNK_BYTES,
  errorFromCarried,
  type FilePool,
  type ReadFrom,
  sharedFilePool,
  type WholeFile,
} from "../../../shared/data-path/index.ts";

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
  /** Files up to this size are read whole, many per worker message (default 1 MiB). */
  readonly smallFileBytes?: number;
  /** Small files read ahead of the one being reported (default 4096) and their bytes (64 MiB). */
  readonly aheadFiles?: number;
  readonly aheadBytes?: number;
  readonly signal?: AbortSignal;
  /** Called as bytes are hashed (for progress). */
  readonly onBytes?: (bytes: number) => void;
  /** The worker threads that read and hash (default: the process's shared pool). */
  readonly pool?: FilePool;
  /** "tape" (default): one read at a time in the order given; "disk": many at once. */
  readonly readFrom?: ReadFrom;
}

/**
 * Reads and hashes files in worker threads, reporting them strictly in the order given (pass
 * them in tape order). Small files are read whole, many per worker message and ahead of their
 * turn, to hide per-file latency; large files are streamed one at a time with large reads.
 * Each file is read once; the event loop never waits on a read or a hash.
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
  const { signal } = options;
  const pool = options.pool ?? sharedFilePool();
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const reader = createReadAhead(
    pool,
    targets.map((target) => ({ path: target.absolute, size: target.size })),
    {
      keepData: false,
      readFrom: options.readFrom ?? "tape",
      signal,
      limits: {
        ...(options.smallFileBytes === undefined ? {} : { smallFileBytes: options.smallFileBytes }),
        ...(options.aheadFiles === undefined ? {} : { aheadFiles: options.aheadFiles }),
        ...(options.aheadBytes === undefined ? {} : { aheadBytes: options.aheadBytes }),
      },
    },
  );
  try {
    for (let index = 0; index < targets.length; index++) {
      signal?.throwIfAborted();
      const target = targets[index] as HashTarget;
      const ahead = reader.take(index);
      // A worker that fails (FileWorkerFailedError) is not the file's problem: it ends the reading.
      const digest = ahead
        ? await digestOfWhole(ahead, options)
        : await digestOfStream(pool, target, chunkBytes, options);
      yield { index, digest };
    }
  } finally {
    await reader.settle();
  }
}

async function digestOfWhole(
  ahead: Promise<WholeFile>,
  options: HashFilesOptions,
): Promise<FileDigest> {
  const whole = await ahead;
  if (!whole.ok) return { error: whole.error };
  options.onBytes?.(whole.length);
  return { bytes: whole.length, sha256: whole.sha256 as string };
}

async function digestOfStream(
  pool: FilePool,
  target: HashTarget,
  chunkBytes: number,
  options: HashFilesOptions,
): Promise<FileDigest> {
  const answer = await pool.run(
    { kind: "hash-file", path: target.absolute, chunkBytes },
    { signal: options.signal, onProgress: options.onBytes, urgent: true },
  );
  return answer.ok
    ? { bytes: answer.bytes, sha256: answer.sha256 }
    : { error: errorFromCarried(answer.error) };
}
