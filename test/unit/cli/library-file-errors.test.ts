import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readCommandLineFile } from "../../../cli/client/read-file.ts";
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

describe("a file named on the command line is read only up to its kind's limit", () => {
  const hint = "Save the status again.";

  it("refuses a file larger than the limit with CLI_FILE_TOO_LARGE, before reading it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-read-file-"));
    try {
      const big = path.join(dir, "big.txt");
      // Sparse: 8 GiB that take no room, as a wrong file (a tape image) may be.
      fs.closeSync(fs.openSync(big, "w"));
      fs.truncateSync(big, 8 * 1024 ** 3);
      await expect(
        readCommandLineFile(big, dir, "mtx status file", hint, 1024),
      ).rejects.toMatchObject({
        code: "CLI_FILE_TOO_LARGE",
        message: `The mtx status file ${big} is larger than 1.0 KiB, more than any mtx status file holds; it was not read.`,
        hint: `Check that ${big} is the right file. ${hint}`,
      });
      fs.writeFileSync(path.join(dir, "ok.txt"), "x".repeat(1024));
      expect(await readCommandLineFile("ok.txt", dir, "mtx status file", hint, 1024)).toBe(
        "x".repeat(1024),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops reading a file without a size (/dev/zero) at the limit", async () => {
    await expect(
      readCommandLineFile("/dev/zero", "/", "queue file", hint, 3 * 1024 * 1024 + 5),
    ).rejects.toMatchObject({ code: "CLI_FILE_TOO_LARGE" });
  });

  it("through the library verb: a 5 MiB status file is refused, not parsed", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-library-file-"));
    try {
      const status = path.join(dir, "status.txt");
      fs.writeFileSync(status, "  Storage Element 1:Empty\n".repeat(200_000));
      await expect(
        libraryCommand(neverConnect).run(["--mtx-status-file", status], quietIo(dir)),
      ).rejects.toMatchObject({ code: "CLI_FILE_TOO_LARGE" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
