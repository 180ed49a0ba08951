import type { FilePool } from "./file-pool.ts";
import { errorFromCarried, type WholeFileTarget } from "./file-tasks.ts";
import { settledLater } from "./hashing-copy.ts";

export interface ReadAheadLimits {
  /** Files up to this size are read whole, in batches, ahead of their turn; larger ones are streamed in turn. */
  readonly smallFileBytes: number;
  /** Files read and not yet taken at most. */
  readonly aheadFiles: number;
  /** Bytes of those files at most: the read-ahead's memory, whatever the files' number. */
  readonly aheadBytes: number;
  /** Files per message to a worker at most, and their bytes. */
  readonly batchFiles: number;
  readonly batchBytes: number;
}

/** The source had several hundred microseconds of latency per small file when cold. */
export const DEFAULT_READ_AHEAD: ReadAheadLimits = {
  smallFileBytes: 1024 * 1024,
  aheadFiles: 4096,
  aheadBytes: 64 * 1024 * 1024,
  batchFiles: 256,
  batchBytes: 4 * 1024 * 1024,
};

/** A small file read whole (and hashed) by a worker. */
export type WholeFile =
  | {
      readonly ok: true;
      /** The bytes read (keepData only; null otherwise). */
      readonly data: Buffer | null;
      readonly length: number;
      /** Null when data was kept and the file grew past its expected size: stream it instead. */
      readonly sha256: string | null;
      readonly mode: number;
      readonly mtimeNs: bigint;
    }
  | { readonly ok: false; readonly error: NodeJS.ErrnoException };

/**
 * Where the files are read from. "disk": several reads and batches at once, which a source disk
 * or network share answers faster. "tape": strictly in the order given (pass tape order), one
 * file at a time, one batch at a time, never past a file streamed in its turn — a read out of
 * order makes a real drive reposition.
 */
export type ReadFrom = "disk" | "tape";

export interface ReadAhead {
  /** The file at `index` read whole, or null when it is not small (stream it). Take in order. */
  take(index: number): Promise<WholeFile> | null;
  /** Stops reading ahead and waits for reads still running (after an error or abort). */
  settle(): Promise<void>;
}

interface Batch {
  readonly indices: readonly number[];
  readonly bytes: number;
  readonly answer: Promise<WholeFile[]>;
  untaken: number;
}

/**
 * Reads small files ahead of their turn, many per worker message, several messages at once, so
 * that a source's per-file latency overlaps with writing; the caller still takes them strictly
 * in order (a tape receives one file after the other). Held bytes are bounded by `aheadBytes`.
 *
 * @example
 * const reader = createReadAhead(pool, [{ path: "/srv/a.txt", size: 5 }], { keepData: true });
 * const file = await reader.take(0); // { ok: true, data: <Buffer>, sha256: "…", … }
 */
export function createReadAhead(
  pool: FilePool,
  targets: readonly WholeFileTarget[],
  options: {
    readonly keepData: boolean;
    readonly readFrom: ReadFrom;
    readonly limits?: Partial<ReadAheadLimits> | undefined;
    readonly signal?: AbortSignal | undefined;
  },
): ReadAhead {
  const limits = { ...DEFAULT_READ_AHEAD, ...options.limits };
  const fromTape = options.readFrom === "tape";
  const batchOf = new Map<number, Batch>();
  const running = new Set<Promise<unknown>>();
  let nextToStart = 0;
  let filesAhead = 0;
  let bytesAhead = 0;
  let stopped = false;

  const isSmall = (index: number) => (targets[index]?.size ?? 0) <= limits.smallFileBytes;

  const startBatch = () => {
    const indices: number[] = [];
    let bytes = 0;
    while (
      nextToStart < targets.length &&
      isSmall(nextToStart) &&
      indices.length < limits.batchFiles &&
      filesAhead + indices.length < limits.aheadFiles &&
      (indices.length === 0 || bytes + (targets[nextToStart]?.size ?? 0) <= limits.batchBytes)
    ) {
      bytes += targets[nextToStart]?.size ?? 0;
      indices.push(nextToStart++);
    }
    if (indices.length === 0) return;
    const files = indices.map((index) => targets[index] as WholeFileTarget);
    const answer = settledLater(
      pool
        .run(
          { kind: "read-whole", files, keepData: options.keepData, oneAtATime: fromTape },
          { signal: options.signal },
        )
        .then(({ files: outcomes, data }) =>
          outcomes.map((outcome): WholeFile => {
            if (!outcome.ok) return { ok: false, error: errorFromCarried(outcome.error) };
            return {
              ok: true,
              data: data === null ? null : Buffer.from(data, outcome.offset, outcome.length),
              length: outcome.length,
              sha256: outcome.sha256,
              mode: outcome.mode,
              mtimeNs: outcome.mtimeNs,
            };
          }),
        ),
    );
    running.add(answer);
    answer
      .finally(() => {
        running.delete(answer);
        // From a tape the next batch starts only now: one read in flight at a time.
        if (fromTape) fill();
      })
      .catch(() => {});
    const batch: Batch = { indices, bytes, answer, untaken: indices.length };
    for (const index of indices) batchOf.set(index, batch);
    filesAhead += indices.length;
    bytesAhead += bytes;
  };

  function fill(): void {
    while (
      !stopped &&
      !(fromTape && running.size > 0) &&
      nextToStart < targets.length &&
      filesAhead < limits.aheadFiles &&
      bytesAhead < limits.aheadBytes
    ) {
      if (!isSmall(nextToStart)) {
        // A tape reads nothing past a large file before the caller has streamed it (taken on).
        if (fromTape) return;
        nextToStart += 1;
        continue;
      }
      startBatch();
    }
  }

  return {
    take(index) {
      if (nextToStart <= index) nextToStart = index;
      fill();
      const batch = batchOf.get(index);
      if (!batch) return null;
      batchOf.delete(index);
      batch.untaken -= 1;
      if (batch.untaken === 0) {
        filesAhead -= batch.indices.length;
        bytesAhead -= batch.bytes;
        fill();
      }
      const position = batch.indices.indexOf(index);
      return batch.answer.then((files) => files[position] as WholeFile);
    },
    async settle() {
      stopped = true;
      await Promise.allSettled([...running]);
      batchOf.clear();
    },
  };
}
