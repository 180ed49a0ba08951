import { humanReadable } from "./human-lines.ts";
import type { LogStream } from "./logger.ts";
import { openRotatingFile, type RotatingFileOptions } from "./rotating-file.ts";

export interface LogSinkOptions {
  /** The log file and its rotation, or null for none. */
  readonly file: RotatingFileOptions | null;
  /** Where lines also go: standard error (the journal under systemd, or a terminal). */
  readonly terminal: LogStream & { readonly isTTY?: boolean };
}

/** Where a process's log lines go: the terminal (readable when it is one) and the log file. */
export interface LogSink {
  readonly stream: LogStream;
  /** The file lines are written to, or null when there is none (not asked for, or it cannot be opened). */
  readonly file: string | null;
  close(): void;
}

/**
 * Opens the log sink of a process: JSON lines to the file (rotated by size) and to standard
 * error — as JSON for the journal and pipes, as readable lines when it is a terminal. A file that
 * cannot be opened or written is said once on the terminal; logging goes on there: a log file is
 * never a reason to stop archiving.
 *
 * @example
 * const sink = openLogSink({ file: { file: "/var/log/pytarchive.log", maxBytes: 10485760, backupCount: 5 }, terminal: process.stderr });
 * const log = createLogger({ service: "launcher", stream: sink.stream });
 */
export function openLogSink(options: LogSinkOptions): LogSink {
  const terminal = options.terminal.isTTY ? humanReadable(options.terminal) : options.terminal;
  const say = (problem: string): void => {
    options.terminal.write(`pytarchive: ${problem}; logging to standard error only.\n`);
  };
  let file: ReturnType<typeof openRotatingFile> | null = null;
  if (options.file !== null) {
    try {
      file = openRotatingFile(options.file);
    } catch (error) {
      say(
        `cannot open the log file ${options.file.file} (${(error as Error).message}); set [Logging] file to a writable path, or empty for none`,
      );
    }
  }
  const path = file === null ? null : (options.file?.file ?? null);
  return {
    stream: {
      write(line: string): void {
        if (file !== null) {
          try {
            file.write(line);
          } catch (error) {
            file = null;
            say(`cannot write the log file ${path} (${(error as Error).message})`);
          }
        }
        terminal.write(line);
      },
    },
    file: path,
    close(): void {
      file?.close();
      file = null;
    },
  };
}
