import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Bytes read at a time, from the end of the file back. */
const CHUNK_BYTES = 64 * 1024;
/**
 * Most bytes of the log read for a tail: a log line is a few hundred bytes, so this holds the
 * longest tail asked for, and a log of many GiB (or one that never ends a line) costs no more.
 */
export const LOG_TAIL_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The last `lines` lines of a log file, read from its end backwards: the log may be many GiB
 * (never rotated), and only its tail goes into the bundle. A line cut by the byte limit is left
 * out, and the text says the tail was cut there. A file that cannot be read gives a sentence
 * saying why, so that the bundle is still written.
 *
 * @example logTail("/var/log/pytarchive.log", 500); // "…last 500 lines…\n"
 */
export function logTail(file: string, lines: number, maxBytes = LOG_TAIL_MAX_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    return `The log file ${file} could not be read: ${(error as Error).message}\n`;
  }
  try {
    const size = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let start = size;
    let newlines = 0;
    // One newline more than lines: the text before it is the line the tail starts after.
    while (start > 0 && size - start < maxBytes && newlines <= lines) {
      const length = Math.min(CHUNK_BYTES, start, maxBytes - (size - start));
      start -= length;
      const chunk = Buffer.alloc(length);
      const read = readSync(fd, chunk, 0, length, start);
      const got = chunk.subarray(0, read);
      chunks.unshift(got);
      for (const byte of got) if (byte === 0x0a) newlines++;
    }
    const all = Buffer.concat(chunks).toString("utf8").split("\n");
    if (all.at(-1) === "") all.pop();
    // Unless the file was read from its first byte, the first piece is part of a longer line.
    if (start > 0) all.shift();
    const cut =
      start > 0 && all.length < lines
        ? `(only the last ${Math.round(maxBytes / 1024 / 1024)} MiB of ${file} were read)\n`
        : "";
    return `${cut}${all.slice(-lines).join("\n")}\n`;
  } catch (error) {
    return `The log file ${file} could not be read: ${(error as Error).message}\n`;
  } finally {
    closeSync(fd);
  }
}
