import fs from "node:fs";
import path from "node:path";
import type { LogStream } from "./logger.ts";

export interface RotatingFileOptions {
  /** Absolute path of the log file, e.g. /var/log/pytarchive.log. */
  readonly file: string;
  /** Size at which the file is rotated before the next line; 0: never. */
  readonly maxBytes: number;
  /** Rotated files kept: `<file>.1` (newest) … `<file>.<backupCount>`. */
  readonly backupCount: number;
}

/** A log file that can be written to and closed. */
export interface RotatingFile extends LogStream {
  close(): void;
}

/**
 * Appends lines to a file and rotates it by size as Python's RotatingFileHandler does, so the
 * original's `logging.conf` (`args=('/var/log/pytarchive.log', 'a', 10485760, 5)`) means the same
 * here: before a line that would take the file past `maxBytes`, `.N-1` becomes `.N` … the file
 * becomes `.1`, and a new file is started. Writes are synchronous: a line logged just before a
 * crash is on disk. The folder is created when missing.
 *
 * We write this rather than use pino-roll or rotating-file-stream: those name files by number
 * or date (no stable `pytarchive.log` to `tail -f`) or need Node.js 22.
 *
 * @example
 * const file = openRotatingFile({ file: "/var/log/pytarchive.log", maxBytes: 10485760, backupCount: 5 });
 * file.write('{"msg":"started"}\n');
 */
export function openRotatingFile(options: RotatingFileOptions): RotatingFile {
  fs.mkdirSync(path.dirname(options.file), { recursive: true });
  let fd = fs.openSync(options.file, "a", 0o640);
  let size = fs.fstatSync(fd).size;

  const rotate = (): void => {
    fs.closeSync(fd);
    if (options.backupCount > 0) {
      for (let n = options.backupCount - 1; n >= 1; n--) {
        renameIfPresent(`${options.file}.${n}`, `${options.file}.${n + 1}`);
      }
      renameIfPresent(options.file, `${options.file}.1`);
      fd = fs.openSync(options.file, "a", 0o640);
    } else {
      // Python truncates the file when it keeps no backups.
      fd = fs.openSync(options.file, "w", 0o640);
    }
    size = 0;
  };

  return {
    write(line: string): void {
      const bytes = Buffer.from(line, "utf8");
      if (options.maxBytes > 0 && size > 0 && size + bytes.length > options.maxBytes) rotate();
      fs.writeSync(fd, bytes);
      size += bytes.length;
    },
    close(): void {
      fs.closeSync(fd);
    },
  };
}

function renameIfPresent(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
