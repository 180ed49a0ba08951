/*
 * What the main thread asks a file worker to do, and what it answers. Plain data: every field
 * survives postMessage (bigint included); file contents travel as one transferred ArrayBuffer
 * per batch, never copied between threads.
 */

/** A file system error as it crossed the thread boundary: what `errnoOf` and messages read. */
export interface CarriedError {
  readonly message: string;
  readonly code?: string;
  readonly syscall?: string;
  readonly path?: string;
}

/** One file to read whole: its absolute path and the size a scan or the catalog gave. */
export interface WholeFileTarget {
  readonly path: string;
  readonly size: number;
}

/**
 * Read small files whole, hash them. With `keepData` each file's bytes (up to size + 1, which
 * shows a file that grew) come back in `data`; without, only the digest of the whole file.
 */
export interface ReadWholeTask {
  readonly kind: "read-whole";
  readonly files: readonly WholeFileTarget[];
  readonly keepData: boolean;
  /** One file after the other, in the order given (a tape: reads at once make it seek). */
  readonly oneAtATime: boolean;
}

export type WholeFileOutcome =
  | {
      readonly ok: true;
      /** Where this file's bytes start in the batch's `data` (keepData only). */
      readonly offset: number;
      /** Bytes read (keepData: at most size + 1). */
      readonly length: number;
      /** Null when keepData and the file grew past its size: it must be streamed instead. */
      readonly sha256: string | null;
      /** st_mode and mtime (ns) from fstat after the read. */
      readonly mode: number;
      readonly mtimeNs: bigint;
    }
  | { readonly ok: false; readonly error: CarriedError };

export interface ReadWholeAnswer {
  readonly files: readonly WholeFileOutcome[];
  readonly data: ArrayBuffer | null;
}

/** Modes and times a written file gets before it is closed. */
export interface WrittenMetadata {
  /** Permission bits. */
  readonly mode: number;
  /** A file system that refuses modes (LTFS keeps none) does not fail the write. */
  readonly modeOptional: boolean;
  /** Seconds, as Node's utimes family takes them. */
  readonly atime: number;
  readonly mtime: number;
}

/**
 * Create and write small files in this order (O_EXCL: nothing is replaced), each with its mode
 * and times, closed one by one (a close can report a full disk). Stops at the first failure.
 */
export interface WriteFilesTask {
  readonly kind: "write-files";
  readonly files: readonly (WrittenMetadata & {
    readonly path: string;
    readonly offset: number;
    readonly length: number;
  })[];
  readonly data: ArrayBuffer;
}

export interface WriteFilesAnswer {
  /** Files written completely, from the first. */
  readonly written: number;
  /** The file at index `written` failed. */
  readonly error: CarriedError | null;
}

/**
 * Stream one file into a new one, hashing every byte on the way (one read of the source).
 * `metadata` null: the copy gets the source's own mode and mtime after the read, with `atime`.
 */
export interface CopyFileTask {
  readonly kind: "copy-file";
  readonly source: string;
  readonly destination: string;
  readonly chunkBytes: number;
  readonly metadata: WrittenMetadata | { readonly fromSource: true; readonly atime: number };
}

export type CopyFileAnswer =
  | {
      readonly ok: true;
      readonly bytes: number;
      readonly sha256: string;
      readonly mode: number;
      readonly mtimeNs: bigint;
    }
  | { readonly ok: false; readonly side: "source" | "destination"; readonly error: CarriedError };

/** Stream one file through SHA-256, reading only. */
export interface HashFileTask {
  readonly kind: "hash-file";
  readonly path: string;
  readonly chunkBytes: number;
}

export type HashFileAnswer =
  | { readonly ok: true; readonly bytes: number; readonly sha256: string }
  | { readonly ok: false; readonly error: CarriedError };

export type FileTask = ReadWholeTask | WriteFilesTask | CopyFileTask | HashFileTask;

/** The answer each kind of task gets. */
export interface FileTaskAnswers {
  "read-whole": ReadWholeAnswer;
  "write-files": WriteFilesAnswer;
  "copy-file": CopyFileAnswer;
  "hash-file": HashFileAnswer;
}

/** Main thread → worker. */
export interface TaskMessage {
  readonly id: number;
  readonly task: FileTask;
}

/** Worker → main thread. */
export type WorkerMessage =
  | { readonly id: number; readonly progressBytes: number }
  | { readonly id: number; readonly answer: FileTaskAnswers[keyof FileTaskAnswers] }
  | { readonly id: number; readonly stopped: true }
  | { readonly id: number; readonly failed: CarriedError };

/** Turns anything thrown into data that crosses threads. */
export function carryError(thrown: unknown): CarriedError {
  if (!(thrown instanceof Error)) return { message: String(thrown) };
  const errno = thrown as NodeJS.ErrnoException;
  return {
    message: thrown.message,
    ...(typeof errno.code === "string" ? { code: errno.code } : {}),
    ...(typeof errno.syscall === "string" ? { syscall: errno.syscall } : {}),
    ...(typeof errno.path === "string" ? { path: errno.path } : {}),
  };
}

/** Back into an Error with the same message and errno code, for the caller's typed errors. */
export function errorFromCarried(carried: CarriedError): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(carried.message);
  if (carried.code !== undefined) error.code = carried.code;
  if (carried.syscall !== undefined) error.syscall = carried.syscall;
  if (carried.path !== undefined) error.path = carried.path;
  return error;
}
