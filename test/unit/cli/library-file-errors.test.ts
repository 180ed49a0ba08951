import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../../cli/command.ts";
import { libraryCommand } from "../../../cli/commands/library.ts";

/** A terminal that keeps what was printed; the command never connects with --mtx-status-file. */
function quietIo(cwd: string): CliIo & { printed: string[] } {
  const printed: string[] = [];
  return {
    printed,
    cwd,
    stdout: (text) => printed.push(text),
    stderr: (text) => printed.push(text),
  };
}

const neverConnect = () => Promise.reject(new Error("the offline view must not connect"));

describe("pytarchive library --mtx-status-file: a file that cannot be read", () => {
  it.each([
    ["a missing file", (dir: string) => path.join(dir, "missing.txt"), "no such file"],
    ["a folder", (dir: string) => dir, "it is a directory"],
  ])(
    "%s is CLI_FILE_UNREADABLE, saying why and how to save a status",
    async (_name, file, reason) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-library-file-"));
      try {
        const target = file(dir);
        await expect(
          libraryCommand(neverConnect).run(["--mtx-status-file", target], quietIo(dir)),
        ).rejects.toMatchObject({
          code: "CLI_FILE_UNREADABLE",
          message: `Cannot read the mtx status file ${target}: ${reason}.`,
          hint: expect.stringContaining("mtx -f <changer> status > status.txt"),
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
