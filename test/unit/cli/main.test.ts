import { describe, expect, it } from "vitest";
import type { CliCommand, CliIo } from "../../../cli/command.ts";
import { COMMANDS } from "../../../cli/commands/index.ts";
import { formatTable } from "../../../cli/format-table.ts";
import { main } from "../../../cli/main.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";

function bufferIo(): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    cwd: "/",
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

function fakeCommand(run: CliCommand["run"]): CliCommand {
  return { name: "fake", summary: "a verb for tests", usage: "usage: pytarchive fake\n", run };
}

describe("main", () => {
  it("passes the arguments after the verb to the verb and returns its exit code", async () => {
    const seen: string[][] = [];
    const io = bufferIo();
    const code = await main(["fake", "a", "--b"], io, [
      fakeCommand(async (argv) => {
        seen.push([...argv]);
        return 3;
      }),
    ]);
    expect(code).toBe(3);
    expect(seen).toEqual([["a", "--b"]]);
  });

  it("prints a PytarchiveError as error and hint without a stack, exit 1", async () => {
    const io = bufferIo();
    const code = await main(["fake"], io, [
      fakeCommand(async () => {
        throw new PytarchiveError("TAPE_TOO_FULL", "Tape A00012L9 is full.", {
          hint: "Choose another tape.",
        });
      }),
    ]);
    expect(code).toBe(1);
    expect(io.err).toBe("error: Tape A00012L9 is full.\nhint: Choose another tape.\n");
  });

  it("prints the stack of an unexpected error, exit 1", async () => {
    const io = bufferIo();
    const code = await main(["fake"], io, [
      fakeCommand(async () => {
        throw new Error("boom");
      }),
    ]);
    expect(code).toBe(1);
    expect(io.err).toContain("error: unexpected failure");
    expect(io.err).toMatch(/Error: boom\n\s+at /);
  });

  it("answers --help for every verb without running it, but not after `--`", async () => {
    let runs = 0;
    const verb = fakeCommand(async () => {
      runs += 1;
      return 0;
    });
    const io = bufferIo();
    expect(await main(["fake", "--x", "-h"], io, [verb])).toBe(0);
    expect(io.out).toBe("usage: pytarchive fake\n");
    expect(runs).toBe(0);
    expect(await main(["fake", "--", "--help"], bufferIo(), [verb])).toBe(0);
    expect(runs).toBe(1);
  });

  it("`help <verb>` prints that verb's usage", async () => {
    const io = bufferIo();
    expect(await main(["help", "library"], io)).toBe(0);
    expect(io.out).toContain("usage: pytarchive library");
  });

  it("registers each verb once, with a summary and a usage line", () => {
    const names = COMMANDS.map((command) => command.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("library");
    for (const command of COMMANDS) {
      expect(command.summary).not.toBe("");
      expect(command.usage.startsWith(`usage: pytarchive ${command.name}`)).toBe(true);
    }
  });
});

describe("formatTable", () => {
  it("aligns columns two spaces apart and trims trailing spaces", () => {
    expect(
      formatTable(
        ["SLOT", "BARCODE", "NOTE"],
        [
          ["1", "AAK788L9", ""],
          ["24", "-", "import/export"],
        ],
      ),
    ).toBe("SLOT  BARCODE   NOTE\n1     AAK788L9\n24    -         import/export\n");
  });
});
