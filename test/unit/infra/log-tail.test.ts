import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { logTail } from "../../../infra/scripts/log-tail.ts";

/*
 * The support bundle takes the log's last lines. A log that was never rotated may be many GiB:
 * only its tail is read, so the bundle is written in a moment and its memory stays small.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), "pyt-log-tail-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function numbered(from: number, to: number): string {
  return Array.from({ length: to - from + 1 }, (_, i) => `{"msg":"line ${from + i}"}\n`).join("");
}

describe("the log's tail in the support bundle", () => {
  it("gives the last lines of a 5 GiB log (sparse here), which no whole-file read can take", () => {
    const log = path.join(dir, "huge.log");
    writeFileSync(log, "");
    truncateSync(log, 5 * 1024 ** 3);
    appendFileSync(log, `\n${numbered(1, 3000)}`);
    expect(logTail(log, 3)).toBe(numbered(2998, 3000));
    expect(logTail(log, 2000)).toBe(numbered(1001, 3000));
  });

  it("gives a short log whole, and the last lines of a longer one, without a trailing empty line", () => {
    const log = path.join(dir, "small.log");
    writeFileSync(log, numbered(1, 10));
    expect(logTail(log, 500)).toBe(numbered(1, 10));
    expect(logTail(log, 1)).toBe(numbered(10, 10));
    writeFileSync(log, "no newline at the end");
    expect(logTail(log, 5)).toBe("no newline at the end\n");
  });

  it("reads no more than its byte limit, and says where the tail was cut", () => {
    const log = path.join(dir, "long-lines.log");
    writeFileSync(log, `${"x".repeat(3 * 1024 * 1024)}\n${numbered(1, 2)}`);
    const tail = logTail(log, 100, 1024 * 1024);
    // The 3 MiB line is cut, so it is left out; the note says why fewer lines came.
    expect(tail).toBe(`(only the last 1 MiB of ${log} were read)\n${numbered(1, 2)}`);
  });

  it("says why a log cannot be read, so that the bundle is still written", () => {
    const missing = path.join(dir, "missing.log");
    expect(logTail(missing, 10)).toMatch(
      new RegExp(`^The log file ${missing} could not be read: ENOENT`),
    );
  });
});
