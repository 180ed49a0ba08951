import type { FileHandle } from "node:fs/promises";
import fs from "node:fs/promises";
import path from "node:path";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeBytes } from "../../shared/format/index.ts";

/** Bytes read at a time; a file is read in pieces so that its limit is kept as it is read. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * The text of a file named on the command line (relative to `cwd`), at most `maxBytes` long;
 * CLI_FILE_UNREADABLE saying why it could not be read, or CLI_FILE_TOO_LARGE for a larger one,
 * each with `hint`. The limit holds for what is read, not only for what `stat` says: a path
 * such as /dev/zero or a FIFO has no size, and would otherwise fill the memory.
 *
 * @example await readCommandLineFile("status.txt", io.cwd, "mtx status file", "Save it with …", 1024 * 1024)
 */
export async function readCommandLineFile(
  file: string,
  cwd: string,
  what: string,
  hint: string,
  maxBytes: number,
): Promise<string> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(path.resolve(cwd, file), "r");
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error("directory"), { code: "EISDIR" });
    if (stat.isFile() && stat.size > maxBytes) throw tooLarge(file, what, hint, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(file, what, hint, maxBytes);
    }
    return Buffer.concat(chunks, total).toString("utf8");
  } catch (error) {
    if (error instanceof PytarchiveError) throw error;
    throw unreadable(file, what, hint, error);
  } finally {
    await handle?.close();
  }
}

function tooLarge(file: string, what: string, hint: string, maxBytes: number): PytarchiveError {
  return new PytarchiveError(
    "CLI_FILE_TOO_LARGE",
    `The ${what} ${file} is larger than ${describeBytes(maxBytes)}, more than any ${what} holds; it was not read.`,
    { hint: `Check that ${file} is the right file. ${hint}` },
  );
}

function unreadable(file: string, what: string, hint: string, error: unknown): PytarchiveError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === "ENOENT"
      ? "no such file"
      : code === "EISDIR"
        ? "it is a directory"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
  return new PytarchiveError("CLI_FILE_UNREADABLE", `Cannot read the ${what} ${file}: ${reason}.`, {
    hint,
    cause: error,
  });
}
