export {
  CREATE_FLAGS,
  closeFile,
  closeQuietly,
  createForWriting,
  lstatPath,
  openForReading,
  readLink,
  refusedAsUnsupported,
} from "./fd-io.ts";
export {
  createFilePool,
  type FilePool,
  type FilePoolOptions,
  type FileTaskKind,
  FileWorkerFailedError,
  sharedFilePool,
  type TaskOptions,
} from "./file-pool.ts";
export { errorFromCarried, type WholeFileTarget, type WrittenMetadata } from "./file-tasks.ts";
export { permissionBits, secondsFromNs } from "./file-times.ts";
export { DEFAULT_CHUNK_BYTES } from "./hashing-copy.ts";
export {
  createOrderedWriter,
  DEFAULT_WRITE_BATCH,
  type FileToWrite,
  type OrderedWriter,
} from "./ordered-writer.ts";
export {
  createReadAhead,
  DEFAULT_READ_AHEAD,
  type ReadAhead,
  type ReadAheadLimits,
  type ReadFrom,
  type WholeFile,
} from "./read-ahead.ts";
