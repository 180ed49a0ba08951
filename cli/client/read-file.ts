import fs from "node:fs/promises";
import path from "node:path";
import { PytarchiveError } from "../../shared/errors/index.ts";

/**
 * The text of a file named on the command line (relative to `cwd`), or CLI_FILE_UNREADABLE
 * saying why not and `hint`.
 *
 * @example await readCommandLineFile("status.txt", io.cwd, "mtx status file", "Save it with …")
 */
export async function readCommandLineFile(
  file: string,
  cwd: string,
  what: string,
  hint: string,
): Promise<string> {
  try {
    return await fs.readFile(path.resolve(cwd, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (error as Error).message;
    throw new PytarchiveError(
      "CLI_FILE_UNREADABLE",
      `Cannot read the ${what} ${file}: ${reason}.`,
      {
        hint,
        cause: error,
      },
    );
  }
}
