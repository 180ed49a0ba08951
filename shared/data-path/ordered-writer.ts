import type { FilePool } from "./file-pool.ts";
import { errorFromCarried, type WrittenMetadata } from "./file-tasks.ts";
import { settledLater } from "./hashing-copy.ts";

/** One small file to create and write, with what to do once it is written. */
export interface FileToWrite extends WrittenMetadata {
  readonly path: string;
  /** Its whole content (copied into the batch: the caller may reuse it). */
  readonly data: Buffer;
  /** Runs in order, after the file is closed (extended attributes, progress). */
  readonly onWritten?: () => void | Promise<void>;
  /** The caller's typed error for a failure writing this file. */
  readonly failed: (error: unknown) => Error;
}

export interface OrderedWriter {
  /** Queues a file; waits while a full batch is still being written. */
  add(file: FileToWrite): Promise<void>;
  /** Writes everything queued and waits for it: before streaming a large file in its turn. */
  flush(): Promise<void>;
  /** Waits for a write still running, ignoring its outcome (after an error or abort). */
  settle(): Promise<void>;
}

export interface OrderedWriterLimits {
  readonly batchFiles: number;
  readonly batchBytes: number;
}

export const DEFAULT_WRITE_BATCH: OrderedWriterLimits = {
  batchFiles: 256,
  batchBytes: 4 * 1024 * 1024,
};

/**
 * Writes small files strictly in the order given, many per worker message, one message at a
 * time: the next batch is gathered while the worker writes the last one. At most two batches
 * of bytes are held.
 *
 * @example
 * const writer = createOrderedWriter(pool, { signal });
 * await writer.add({ path: "/ltfs0/x/a.txt", data, mode: 0o644, modeOptional: true, atime, mtime, failed: (e) => e as Error });
 * await writer.flush();
 */
export function createOrderedWriter(
  pool: FilePool,
  options: { readonly signal?: AbortSignal | undefined; readonly limits?: OrderedWriterLimits },
): OrderedWriter {
  const limits = options.limits ?? DEFAULT_WRITE_BATCH;
  let gathering: FileToWrite[] = [];
  let gatheredBytes = 0;
  let inFlight: Promise<void> = Promise.resolve();

  const write = async (batch: readonly FileToWrite[]) => {
    const data = new ArrayBuffer(batch.reduce((sum, file) => sum + file.data.length, 0));
    const bytes = Buffer.from(data);
    let offset = 0;
    const files = batch.map((file) => {
      file.data.copy(bytes, offset);
      const placed = {
        path: file.path,
        offset,
        length: file.data.length,
        mode: file.mode,
        modeOptional: file.modeOptional,
        atime: file.atime,
        mtime: file.mtime,
      };
      offset += file.data.length;
      return placed;
    });
    // Rejects only when aborted or the worker failed: neither is about a file of the batch.
    const answer = await pool.run(
      { kind: "write-files", files, data },
      { signal: options.signal, transfer: [data], urgent: true },
    );
    for (const file of batch.slice(0, answer.written)) await file.onWritten?.();
    if (answer.error !== null) {
      throw (batch[answer.written] as FileToWrite).failed(errorFromCarried(answer.error));
    }
  };

  const send = async () => {
    const batch = gathering;
    gathering = [];
    gatheredBytes = 0;
    await inFlight;
    if (batch.length > 0) inFlight = settledLater(write(batch));
  };

  return {
    async add(file) {
      gathering.push(file);
      gatheredBytes += file.data.length;
      if (gathering.length >= limits.batchFiles || gatheredBytes >= limits.batchBytes) await send();
    },
    async flush() {
      await send();
      await inFlight;
    },
    async settle() {
      gathering = [];
      await inFlight.catch(() => {});
    },
  };
}
