/*
 * The body of a file worker thread (started through file-worker.mjs): it runs one task at a
 * time and answers it. Synchronous file calls are fine here — they block this thread, not the
 * services' event loop — and save the thread-pool round trip per call that made 20,000 small
 * files slow. A task stops between two files or chunks once the main thread writes its id into
 * the shared stop flag (a message could not reach a thread busy in a synchronous loop).
 */
import { createHash } from "node:crypto";
import fs, { type BigIntStats } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { mapLimited } from "../concurrency/index.ts";
import { messageOf } from "../format/index.ts";
import {
  CREATE_FLAGS,
  closeQuietly,
  createForWriting,
  openForReading,
  readInto,
  refusedAsUnsupported,
  statOpenFile,
} from "./fd-io.ts";
import {
  type CopyFileAnswer,
  type CopyFileTask,
  carryError,
  type FileTask,
  type HashFileAnswer,
  type HashFileTask,
  type ReadWholeAnswer,
  type ReadWholeTask,
  type TaskMessage,
  type WholeFileOutcome,
  type WholeFileTarget,
  type WorkerMessage,
  type WriteFilesAnswer,
  type WriteFilesTask,
  type WrittenMetadata,
} from "./file-tasks.ts";
import { permissionBits, secondsFromNs } from "./file-times.ts";
import {
  allocateChunkBuffers,
  type ChunkBuffers,
  pumpWithHash,
  StoppedError,
  settledLater,
} from "./hashing-copy.ts";

const port = parentPort;
if (port === null) throw new Error("file-worker.ts runs only as a worker thread");
const stopFlag = new Int32Array((workerData as { stopFlag: SharedArrayBuffer }).stopFlag);

/** Chunk buffers, kept between tasks of the same chunk size. */
let chunkBuffers: ChunkBuffers | null = null;
function buffersOf(chunkBytes: number): ChunkBuffers {
  if (chunkBuffers?.[0].length !== chunkBytes) chunkBuffers = allocateChunkBuffers(chunkBytes);
  return chunkBuffers;
}

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

/**
 * Progress of a stream, after each chunk: a message costs microseconds, and a job's abort
 * (decided on the main thread from progress) should land while the file is still being read.
 */
function progressReporter(id: number) {
  return {
    add(bytes: number) {
      post({ id, progressBytes: bytes });
    },
  };
}

/**
 * Several files of a batch are read at once (through the thread pool): a cold disk or a
 * network share answers many small reads in parallel faster than one after the other. Not a
 * tape: there each read out of order repositions the drive (`oneAtATime`).
 */
const READS_AT_ONCE = 8;

async function readWhole(task: ReadWholeTask, isStopped: () => boolean): Promise<ReadWholeAnswer> {
  // One buffer for the batch; each file gets its size + 1 (one byte more shows a file that grew).
  const offsets: number[] = [];
  let total = 0;
  for (const file of task.files) {
    offsets.push(total);
    if (task.keepData) total += file.size + 1;
  }
  const data = task.keepData ? new ArrayBuffer(total) : null;
  let stopped = false;
  // Nothing throws inside, so every read has ended (its file closed) when the batch answers.
  const readsAtOnce = task.oneAtATime ? 1 : READS_AT_ONCE;
  const files = await mapLimited(task.files, readsAtOnce, async (file, index) => {
    stopped ||= isStopped();
    if (stopped) return { ok: false, error: { message: "stopped" } } as const;
    const offset = offsets[index] as number;
    try {
      return await readOne(
        file,
        data === null ? null : Buffer.from(data, offset, file.size + 1),
        offset,
      );
    } catch (error) {
      return { ok: false, error: carryError(error) } as const;
    }
  });
  if (stopped) throw new StoppedError();
  return { files, data };
}

async function readOne(
  file: WholeFileTarget,
  view: Buffer | null,
  offset: number,
): Promise<WholeFileOutcome> {
  const fd = await openForReading(file.path);
  try {
    const hash = createHash("sha256");
    let length = 0;
    let grown = false;
    if (view !== null) {
      length = await readInto(fd, view, 0, view.length);
      // A short read of a regular file is its end: the page cache itself treats it so.
      grown = length > file.size;
      if (!grown) hash.update(view.subarray(0, length));
    } else {
      // Only the digest: the whole file, however long it is now.
      const chunk = Buffer.allocUnsafe(Math.min(file.size + 1, 1024 * 1024));
      for (;;) {
        const read = await readInto(fd, chunk, 0, chunk.length);
        if (read === 0) break;
        hash.update(chunk.subarray(0, read));
        length += read;
      }
    }
    const stats = await statOpenFile(fd);
    return {
      ok: true,
      offset,
      length,
      sha256: grown ? null : hash.digest("hex"),
      mode: Number(stats.mode),
      mtimeNs: stats.mtimeNs,
    };
  } finally {
    await closeQuietly(fd);
  }
}

/** Applies mode (unless the file system refuses modes and they are optional) and times. */
function applyMetadata(fd: number, metadata: WrittenMetadata): void {
  try {
    fs.fchmodSync(fd, permissionBits(metadata.mode));
  } catch (error) {
    if (!(metadata.modeOptional && refusedAsUnsupported(error))) throw error;
  }
  fs.futimesSync(fd, metadata.atime, metadata.mtime);
}

function writeFiles(task: WriteFilesTask, isStopped: () => boolean): WriteFilesAnswer {
  let written = 0;
  for (const file of task.files) {
    if (isStopped()) throw new StoppedError();
    let fd: number | null = null;
    try {
      fd = fs.openSync(file.path, CREATE_FLAGS, 0o600);
      const bytes = Buffer.from(task.data, file.offset, file.length);
      let offset = 0;
      while (offset < file.length)
        offset += fs.writeSync(fd, bytes, offset, file.length - offset, null);
      applyMetadata(fd, file);
      const closing = fd;
      fd = null;
      // With FUSE and NFS a close can be what reports a full disk.
      fs.closeSync(closing);
    } catch (error) {
      if (fd !== null) {
        try {
          fs.closeSync(fd);
        } catch {}
      }
      return { written, error: carryError(error) };
    }
    written += 1;
  }
  return { written, error: null };
}

class SideError extends Error {
  constructor(
    readonly side: "source" | "destination",
    readonly original: unknown,
  ) {
    super(messageOf(original));
  }
}

async function copyFile(
  task: CopyFileTask,
  id: number,
  isStopped: () => boolean,
): Promise<CopyFileAnswer> {
  const progress = progressReporter(id);
  let input: number | null = null;
  let output: number | null = null;
  try {
    input = await openForReading(task.source).catch((error: unknown) => {
      throw new SideError("source", error);
    });
    output = await createForWriting(task.destination).catch((error: unknown) => {
      throw new SideError("destination", error);
    });
    const hash = createHash("sha256");
    const bytes = await pumpWithHash({
      source: input,
      destination: output,
      hash,
      buffers: buffersOf(task.chunkBytes),
      isStopped,
      onBytes: (chunk) => progress.add(chunk),
      readFailed: (error) => new SideError("source", error),
      writeFailed: (error) => new SideError("destination", error),
    });
    const stats: BigIntStats = await statOpenFile(input).catch((error: unknown) => {
      throw new SideError("source", error);
    });
    const metadata: WrittenMetadata =
      "fromSource" in task.metadata
        ? {
            mode: Number(stats.mode),
            modeOptional: true,
            atime: task.metadata.atime,
            mtime: secondsFromNs(stats.mtimeNs),
          }
        : task.metadata;
    const written = output;
    output = null;
    try {
      applyMetadata(written, metadata);
    } catch (error) {
      await closeQuietly(written);
      throw new SideError("destination", error);
    }
    // With FUSE and NFS a close can be what reports a full disk.
    try {
      fs.closeSync(written);
    } catch (error) {
      throw new SideError("destination", error);
    }
    return {
      ok: true,
      bytes,
      sha256: hash.digest("hex"),
      mode: Number(stats.mode),
      mtimeNs: stats.mtimeNs,
    };
  } catch (error) {
    if (error instanceof SideError)
      return { ok: false, side: error.side, error: carryError(error.original) };
    throw error;
  } finally {
    await closeQuietly(output);
    await closeQuietly(input);
  }
}

/** Two buffers: the next chunk is read (in the thread pool) while this thread hashes one. */
async function hashFile(
  task: HashFileTask,
  id: number,
  isStopped: () => boolean,
): Promise<HashFileAnswer> {
  const progress = progressReporter(id);
  let fd: number;
  try {
    fd = await openForReading(task.path);
  } catch (error) {
    return { ok: false, error: carryError(error) };
  }
  const [first, second] = buffersOf(task.chunkBytes);
  let pending = settledLater(readInto(fd, first, 0, first.length));
  try {
    const hash = createHash("sha256");
    let current = first;
    let bytes = 0;
    for (;;) {
      const read = await pending;
      if (read === 0) break;
      if (isStopped()) throw new StoppedError();
      const next = current === first ? second : first;
      pending = settledLater(readInto(fd, next, 0, next.length));
      hash.update(current.subarray(0, read));
      current = next;
      bytes += read;
      progress.add(read);
    }
    return { ok: true, bytes, sha256: hash.digest("hex") };
  } catch (error) {
    if (error instanceof StoppedError) throw error;
    return { ok: false, error: carryError(error) };
  } finally {
    await Promise.allSettled([pending]);
    await closeQuietly(fd);
  }
}

async function run(id: number, task: FileTask): Promise<void> {
  const isStopped = () => Atomics.load(stopFlag, 0) === id;
  switch (task.kind) {
    case "read-whole": {
      const answer = await readWhole(task, isStopped);
      post({ id, answer }, answer.data === null ? [] : [answer.data]);
      return;
    }
    case "write-files":
      post({ id, answer: writeFiles(task, isStopped) });
      return;
    case "copy-file":
      post({ id, answer: await copyFile(task, id, isStopped) });
      return;
    case "hash-file":
      post({ id, answer: await hashFile(task, id, isStopped) });
      return;
  }
}

port.on("message", (message: TaskMessage) => {
  run(message.id, message.task).catch((error: unknown) => {
    if (error instanceof StoppedError) post({ id: message.id, stopped: true });
    else post({ id: message.id, failed: carryError(error) });
  });
});
