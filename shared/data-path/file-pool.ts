import os from "node:os";
import { Worker } from "node:worker_threads";
import { PytarchiveError } from "../errors/index.ts";
import type {
  CarriedError,
  FileTask,
  FileTaskAnswers,
  TaskMessage,
  WorkerMessage,
} from "./file-tasks.ts";

export type FileTaskKind = FileTask["kind"];

export interface FilePoolOptions {
  /** Worker threads; default: the machine's cores, at least 2 and at most 8. */
  readonly size?: number;
  /** Tasks waiting for a worker at most; `run` waits for room beyond that. Default 64. */
  readonly maxQueued?: number;
  /** The worker's entry (tests pass one that fails on purpose). */
  readonly workerUrl?: URL;
}

export interface TaskOptions {
  /** Aborting stops the task between two files or chunks; `run` then rejects with the reason. */
  readonly signal?: AbortSignal | undefined;
  /** Bytes a streaming task has moved since its last report. */
  readonly onProgress?: ((bytes: number) => void) | undefined;
  /** Buffers handed over to the worker (no copy); unusable here afterwards. */
  readonly transfer?: readonly ArrayBuffer[] | undefined;
  /** Run before queued tasks that are not urgent: the writes a tape is waiting for. */
  readonly urgent?: boolean | undefined;
}

/**
 * A few worker threads that hash and move file data off the event loop, one task each at a
 * time; tasks beyond the workers wait in a bounded queue (urgent ones first).
 */
export interface FilePool {
  readonly size: number;
  /**
   * A file's own errors come back in the answer; `run` rejects only with the signal's reason or
   * a FileWorkerFailedError, which is never about a file.
   */
  run<K extends FileTaskKind>(
    task: Extract<FileTask, { kind: K }>,
    options?: TaskOptions,
  ): Promise<FileTaskAnswers[K]>;
  /** Tasks answered by a worker, by kind: how tests see that the work ran off the main thread. */
  readonly tasksRun: Readonly<Record<FileTaskKind, number>>;
  /** Ends the workers; queued and running tasks reject. */
  close(): Promise<void>;
}

/**
 * A worker died or failed outside a task's own error handling: not a problem of any file, tape
 * or drive (those come back as answers), so callers never turn it into one. A retry may cure it.
 */
export class FileWorkerFailedError extends PytarchiveError {
  constructor(reason: string) {
    super(
      "FILE_WORKER_FAILED",
      `A file worker thread failed: ${reason}. The files, the tape and the drive are not at fault.`,
    );
    this.name = "FileWorkerFailedError";
  }
}

interface PendingTask {
  readonly id: number;
  readonly task: FileTask;
  readonly options: TaskOptions;
  readonly resolve: (answer: FileTaskAnswers[FileTaskKind]) => void;
  readonly reject: (error: unknown) => void;
  detach(): void;
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly stopFlag: Int32Array;
  running: PendingTask | null;
}

const WORKER_URL = new URL("./file-worker.mjs", import.meta.url);

function defaultSize(): number {
  return Math.min(8, Math.max(2, os.availableParallelism()));
}

/**
 * @example
 * const pool = createFilePool({ size: 2 });
 * const { files } = await pool.run({ kind: "read-whole", files: [{ path: "/srv/a.txt", size: 5 }], keepData: false });
 * files[0]?.ok && files[0].sha256 // "2cf24dba…"
 */
export function createFilePool(options: FilePoolOptions = {}): FilePool {
  const size = Math.max(1, options.size ?? defaultSize());
  const maxQueued = Math.max(1, options.maxQueued ?? 64);
  const workerUrl = options.workerUrl ?? WORKER_URL;
  const slots: WorkerSlot[] = [];
  const urgent: PendingTask[] = [];
  const normal: PendingTask[] = [];
  const roomWaiters: (() => void)[] = [];
  const tasksRun: Record<FileTaskKind, number> = {
    "read-whole": 0,
    "write-files": 0,
    "copy-file": 0,
    "hash-file": 0,
  };
  let nextId = 1;
  /** Ids fit the Int32 stop flag and are never 0 (the flag's "not stopped"). */
  const takeId = () => {
    const id = nextId;
    nextId = nextId >= 0x7fffffff ? 1 : nextId + 1;
    return id;
  };
  let closed = false;

  const queued = () => urgent.length + normal.length;

  const releaseRoom = () => {
    while (roomWaiters.length > 0 && queued() < maxQueued) roomWaiters.shift()?.();
  };

  const finish = (slot: WorkerSlot) => {
    slot.running = null;
    slot.worker.unref();
    dispatch();
  };

  const failRunning = (slot: WorkerSlot, error: Error) => {
    const pending = slot.running;
    if (pending === null) return;
    slot.running = null;
    pending.detach();
    pending.reject(pending.options.signal?.aborted ? pending.options.signal.reason : error);
  };

  const spawn = (): WorkerSlot => {
    const stopFlag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(workerUrl, { workerData: { stopFlag: stopFlag.buffer } });
    const slot: WorkerSlot = { worker, stopFlag, running: null };
    worker.on("message", (message: WorkerMessage) => {
      const pending = slot.running;
      if (pending === null || pending.id !== message.id) return;
      if ("progressBytes" in message) {
        pending.options.onProgress?.(message.progressBytes);
        return;
      }
      pending.detach();
      tasksRun[pending.task.kind] += 1;
      const signal = pending.options.signal;
      if (signal?.aborted) pending.reject(signal.reason);
      else if ("answer" in message) pending.resolve(message.answer);
      else if ("failed" in message)
        pending.reject(new FileWorkerFailedError(message.failed.message));
      else pending.reject(new FileWorkerFailedError("stopped without being asked"));
      finish(slot);
    });
    const lost = (error: Error) => {
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      failRunning(slot, error);
      dispatch();
    };
    worker.on("error", (error) => lost(new FileWorkerFailedError(error.message)));
    worker.on("exit", (code) => lost(new FileWorkerFailedError(`it exited with code ${code}`)));
    worker.unref();
    slots.push(slot);
    return slot;
  };

  /** Tasks that are not urgent never take the last worker: it stays free for a tape's writes. */
  const mayStartNormal = () =>
    size === 1 ||
    slots.filter((slot) => slot.running !== null && !slot.running.options.urgent).length < size - 1;

  function dispatch(): void {
    while (!closed && (urgent.length > 0 || (normal.length > 0 && mayStartNormal()))) {
      const slot =
        slots.find((candidate) => candidate.running === null) ??
        (slots.length < size ? spawn() : null);
      if (slot === null) return;
      const pending = (urgent.length > 0 ? urgent : normal).shift() as PendingTask;
      releaseRoom();
      slot.running = pending;
      Atomics.store(slot.stopFlag, 0, 0);
      slot.worker.ref();
      const message: TaskMessage = { id: pending.id, task: pending.task };
      slot.worker.postMessage(message, [...(pending.options.transfer ?? [])]);
    }
  }

  const stop = (pending: PendingTask) => {
    for (const queue of [urgent, normal]) {
      const index = queue.indexOf(pending);
      if (index >= 0) {
        queue.splice(index, 1);
        pending.detach();
        pending.reject(pending.options.signal?.reason);
        releaseRoom();
        return;
      }
    }
    // Running: the worker stops at its next file or chunk and answers; `run` rejects then, so
    // that nothing of it (an open file on a tape) outlives the rejection.
    const slot = slots.find((candidate) => candidate.running === pending);
    if (slot) Atomics.store(slot.stopFlag, 0, pending.id);
  };

  return {
    size,
    tasksRun,
    async run(task, taskOptions = {}) {
      const { signal } = taskOptions;
      signal?.throwIfAborted();
      while (queued() >= maxQueued && !closed) {
        await new Promise<void>((resolve) => roomWaiters.push(resolve));
        signal?.throwIfAborted();
      }
      if (closed) throw new FileWorkerFailedError("the pool was closed");
      return new Promise((resolve, reject) => {
        const onAbort = () => stop(pending);
        const pending: PendingTask = {
          id: takeId(),
          task,
          options: taskOptions,
          resolve: resolve as PendingTask["resolve"],
          reject,
          detach: () => signal?.removeEventListener("abort", onAbort),
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        (taskOptions.urgent ? urgent : normal).push(pending);
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const pending of [...urgent.splice(0), ...normal.splice(0)]) {
        pending.detach();
        pending.reject(new FileWorkerFailedError("the pool was closed"));
      }
      for (const resolve of roomWaiters.splice(0)) resolve();
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()));
    },
  };
}

let shared: FilePool | null = null;

/** The process's pool, started at first use; its idle workers do not keep the process alive. */
export function sharedFilePool(): FilePool {
  shared ??= createFilePool();
  return shared;
}

export type { CarriedError };
