import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type E2eStack, startE2eStack } from "./support.ts";

/*
 * Issue 9, findings 4 and 5, as a user meets them with `npm start -- --simulate` and the CLI:
 * a newline in an argument gets the folder's own error at once (not ten seconds of silence and
 * "may have been queued anyway"), escape sequences are printed escaped, and `explore -t` beyond
 * `[Export] max_seconds`, priorities out of range and the like are refused before anything is
 * queued — the tape stays in its slot.
 */

const MAX_SECONDS = 3600;

let e2e: E2eStack;
let tape: string;
let project: string;

beforeAll(async () => {
  e2e = await startE2eStack({ extraConfig: ["[Export]", `max_seconds = ${MAX_SECONDS}`] });
  const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
    "tapes",
  ]);
  tape = tapes.find((entry) => !entry.cleaning)?.barcode as string;
  project = path.join(e2e.home, "srv", "projects", "alpha");
  await mkdir(project, { recursive: true });
  await writeFile(path.join(project, "readme.txt"), "alpha\n");
}, 120_000);

afterAll(async () => {
  await e2e?.close();
}, 60_000);

async function jobCount(): Promise<number> {
  const result = await e2e.db.query<{ n: number }>("select count(*)::int as n from jobs");
  return Number(result.rows[0]?.n);
}

async function refused(args: readonly string[]): Promise<string> {
  const jobs = await jobCount();
  const started = Date.now();
  const result = await e2e.cli.run(args);
  expect(Date.now() - started, JSON.stringify(args)).toBeLessThan(5_000);
  expect(result.exitCode, JSON.stringify(args)).toBe(1);
  expect(await jobCount(), "nothing was queued").toBe(jobs);
  return result.stderr;
}

describe("bad input through the CLI on a running pytarchive", () => {
  it("answers a newline in a folder name with the folder's error, printed on one line", async () => {
    const stderr = await refused(["prepare", "/x/no\npe", "d"]);
    expect(stderr).toBe(
      "error: The folder /x/no\\npe does not exist.\nhint: Check the spelling; `ls -d PATH` on this server shows whether it is there.\n",
    );
  });

  it("prints an escape sequence in a name escaped, so it cannot clear the screen", async () => {
    const stderr = await refused(["restore", project, "/srv/restore/\u001b[2Jx"]);
    expect(stderr).toMatch(/\/srv\/restore\/\\(x1b|u001b)\[2Jx/);
    expect(stderr).not.toContain("\u001b");
  });

  it("refuses an explore longer than [Export] max_seconds; the tape stays home", async () => {
    for (const seconds of ["8700000000000", String(MAX_SECONDS + 1)]) {
      expect(await refused(["explore", tape, "-t", seconds])).toContain(
        `out of range: a tape is exported for 1 to ${MAX_SECONDS} seconds`,
      );
    }
    const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; location: string }[] }>([
      "tapes",
    ]);
    expect(tapes.find((entry) => entry.barcode === tape)?.location).toBe("slot");
  });

  it("refuses priorities out of range, and over-long descriptions", async () => {
    for (const priority of ["-1", "1001", "99999999999"]) {
      expect(await refused(["prepare", project, "d", "--priority", priority])).toMatch(
        /priority .* is out of range: use a whole number from 0 to 1000/,
      );
    }
    expect(await refused(["prepare", project, "d".repeat(1001)])).toContain(
      "The description is 1001 characters long; at most 1000 fit.",
    );
    expect(await refused(["prepare", project, "two\nlines"])).toContain("control characters");
  });
});
