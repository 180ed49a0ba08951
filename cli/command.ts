import { escapeControlCharacters } from "../shared/format/index.ts";

/** Where a command writes: the terminal in production, a buffer in tests. */
export interface CliIo {
  /** Writes to standard output; the text carries its own line ends. */
  stdout(text: string): void;
  /** Writes to standard error; the text carries its own line ends. */
  stderr(text: string): void;
  /** The directory relative paths are read from. */
  readonly cwd: string;
  /**
   * Standard output when it is a terminal, for verbs that redraw lines (`watch`): `write` sends
   * cursor movements as they are, so the caller escapes what it quotes. Absent for a pipe or file.
   */
  readonly terminal?: TerminalOutput | undefined;
}

/** A terminal that a verb may draw on. */
export interface TerminalOutput {
  readonly columns: number;
  write(text: string): void;
}

/**
 * One verb of `pytarchive`. Adding a verb means one file `cli/commands/<verb>.ts` exporting a
 * `CliCommand`, and one line in `cli/commands/index.ts`. `--help` is handled for every verb by
 * `main` (it prints `usage`), so `run` never sees it.
 */
export interface CliCommand {
  /** The verb as typed: `library`. */
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** The full help text: usage line, what it does, options. */
  readonly usage: string;
  /**
   * Runs the verb with the arguments after it; resolves to the exit code (0 ok, 1 failed, 2 bad
   * usage). Throwing a PytarchiveError prints `error: <message>` and its hint, exit 1
   * (`CliUsageError`: exit 2).
   */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/**
 * The terminal. Whatever is printed may quote names from the catalog (paths, descriptions,
 * errors): control characters other than line ends are shown escaped, so none moves the cursor.
 */
export const processIo: CliIo = {
  stdout: (text) => {
    process.stdout.write(escapeControlCharacters(text, "\n"));
  },
  stderr: (text) => {
    process.stderr.write(escapeControlCharacters(text, "\n"));
  },
  get cwd() {
    return process.cwd();
  },
  get terminal() {
    if (!process.stdout.isTTY) return undefined;
    return {
      // A pseudo-terminal without a size (e.g. under `script`) says 0 columns.
      columns: process.stdout.columns || Number(process.env.COLUMNS) || 80,
      write: (text: string) => {
        process.stdout.write(text);
      },
    };
  },
};
