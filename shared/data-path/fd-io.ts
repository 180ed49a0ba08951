import fs, { type BigIntStats, constants } from "node:fs";

/*
 * File descriptor I/O through Node's callback API. Measured on the development machine, one
 * operation through fs/promises (and FileHandle) costs about twice the time of the same
 * operation through the callback API; with tens of thousands of small files that overhead,
 * not the disk, decided the throughput.
 */

type Callback<T> = (error: NodeJS.ErrnoException | null, value: T) => void;

function call<T>(start: (callback: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, value) => (error ? reject(error) : resolve(value)));
  });
}

export function openFile(path: string, flags: number, mode?: number): Promise<number> {
  return call<number>((done) => fs.open(path, flags, mode, done));
}

/** Reads at the file's current position; resolves with the bytes read (0 at the end). */
export function readInto(fd: number, buffer: Buffer, offset: number, length: number) {
  return call<number>((done) => fs.read(fd, buffer, offset, length, null, done));
}

export function writeFrom(fd: number, buffer: Buffer, offset: number, length: number) {
  return call<number>((done) => fs.write(fd, buffer, offset, length, null, done));
}

export function closeFile(fd: number): Promise<void> {
  return call<void>((done) => fs.close(fd, (error) => done(error ?? null, undefined)));
}

export function statOpenFile(fd: number): Promise<BigIntStats> {
  return call<BigIntStats>((done) => fs.fstat(fd, { bigint: true }, done));
}

export function lstatPath(path: string): Promise<BigIntStats> {
  return call<BigIntStats>((done) => fs.lstat(path, { bigint: true }, done));
}

export function readLink(path: string): Promise<string> {
  return call<string>((done) => fs.readlink(path, done));
}

/** Writes all `length` bytes of `buffer`, however the file system splits the write. */
export async function writeFully(fd: number, buffer: Buffer, length: number): Promise<void> {
  let offset = 0;
  while (offset < length) offset += await writeFrom(fd, buffer, offset, length - offset);
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

/**
 * Opens a file to read without touching it: O_NOFOLLOW (a file replaced by a link since the
 * scan is refused, never followed) and O_NOATIME (the original's access time stays as it was;
 * the kernel allows this to the file's owner and to root; otherwise we open without it).
 */
export async function openForReading(path: string): Promise<number> {
  try {
    return await openFile(path, READ_FLAGS | constants.O_NOATIME);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
    return openFile(path, READ_FLAGS);
  }
}

/**
 * The file system refuses the call itself (LTFS, vfat, NFS refusing a mode or a link's times),
 * rather than failing: for metadata that is a courtesy.
 */
export function refusedAsUnsupported(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS";
}

/** Flags for a new file that must not replace anything. */
export const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

/** Creates a new file to write (mode 0600 until its own mode is applied). */
export function createForWriting(path: string): Promise<number> {
  return openFile(path, CREATE_FLAGS, 0o600);
}

/** Closes and ignores errors: for clean-up after another error. */
export async function closeQuietly(fd: number | null): Promise<void> {
  if (fd === null) return;
  await closeFile(fd).catch(() => {});
}
