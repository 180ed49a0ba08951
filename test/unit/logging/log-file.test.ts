import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openConfiguredLogSink } from "../../../services/runner/log-sink.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import { humanLine, openLogSink, openRotatingFile } from "../../../shared/logging/index.ts";

const created: string[] = [];
afterEach(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-log-"));
  created.push(dir);
  return dir;
}
function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { written, isTTY, write: (line: string) => written.push(line) };
}

describe("the log file", () => {
  it("rotates by size as Python's RotatingFileHandler: .1 is the newest, at most backupCount kept", () => {
    const file = path.join(tempDir(), "log", "pytarchive.log");
    const log = openRotatingFile({ file, maxBytes: 20, backupCount: 2 });
    for (const n of [1, 2, 3, 4, 5]) log.write(`line ${n} of five\n`); // 15 bytes each
    log.close();
    expect(fs.readFileSync(file, "utf8")).toBe("line 5 of five\n");
    expect(fs.readFileSync(`${file}.1`, "utf8")).toBe("line 4 of five\n");
    expect(fs.readFileSync(`${file}.2`, "utf8")).toBe("line 3 of five\n");
    expect(fs.existsSync(`${file}.3`)).toBe(false);
  });

  it("appends to an existing file and never rotates with maxBytes 0", () => {
    const file = path.join(tempDir(), "pytarchive.log");
    fs.writeFileSync(file, "from before\n");
    const log = openRotatingFile({ file, maxBytes: 0, backupCount: 5 });
    for (let n = 0; n < 100; n++) log.write(`${"x".repeat(99)}\n`);
    log.close();
    expect(fs.statSync(file).size).toBe(12 + 100 * 100);
    expect(fs.existsSync(`${file}.1`)).toBe(false);
  });

  it("goes on logging to the terminal, saying so once, when the file cannot be opened", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "not-a-folder"), "");
    const tty = terminal(false);
    const sink = openLogSink({
      file: { file: path.join(dir, "not-a-folder", "pytarchive.log"), maxBytes: 0, backupCount: 0 },
      terminal: tty,
    });
    sink.stream.write('{"msg":"one"}\n');
    sink.stream.write('{"msg":"two"}\n');
    expect(sink.file).toBeNull();
    expect(tty.written[0]).toMatch(
      /^pytarchive: cannot open the log file .*not-a-folder\/pytarchive\.log .*set \[Logging\] file/,
    );
    expect(tty.written.slice(1)).toEqual(['{"msg":"one"}\n', '{"msg":"two"}\n']);
  });

  it("writes JSON lines to the file, and readable lines to a terminal", () => {
    const file = path.join(tempDir(), "pytarchive.log");
    const tty = terminal(true);
    const sink = openLogSink({ file: { file, maxBytes: 0, backupCount: 0 }, terminal: tty });
    const line = `${JSON.stringify({
      level: "error",
      time: "2026-12-07T10:00:00.000Z",
      service: "ltfs",
      jobId: "3fa2b1c0",
      error: {
        code: "TAPE_TOO_FULL",
        message: "Tape AAK788L9 is full.",
        hint: "Use another tape.",
      },
      msg: "copy failed",
    })}\n`;
    sink.stream.write(line);
    sink.close();
    expect(fs.readFileSync(file, "utf8")).toBe(line);
    expect(tty.written).toEqual([
      `${new Date("2026-12-07T10:00:00.000Z").toTimeString().slice(0, 8)} ERROR ltfs  copy failed  jobId=3fa2b1c0 error="[TAPE_TOO_FULL] Tape AAK788L9 is full. (Use another tape.)"\n`,
    ]);
    expect(humanLine("not json\n")).toBe("not json\n");
  });
});

describe("the log settings", () => {
  const ROTATING = (file: string) =>
    [
      "[handlers]",
      "keys=rotatingFileHandler",
      "[handler_rotatingFileHandler]",
      "class=logging.handlers.RotatingFileHandler",
      `args=('${file}', 'a', 10485760, 5)`,
      "",
    ].join("\n");

  it("take the original's logging.conf RotatingFileHandler where [Logging] leaves them out", async () => {
    const dir = tempDir();
    const original = path.join(dir, "from-logging-conf.log");
    fs.writeFileSync(path.join(dir, "logging.conf"), ROTATING(original));
    const config = parseConfig(
      `[SMTP]\nlogging_conf = ${path.join(dir, "logging.conf")}\n`,
      "pytarchive.conf",
      {},
    );
    const sink = await openConfiguredLogSink(config, terminal(false));
    sink.close();
    expect(sink.file).toBe(original);

    const own = path.join(dir, "own.log");
    const overridden = parseConfig(
      `[SMTP]\nlogging_conf = ${path.join(dir, "logging.conf")}\n[Logging]\nfile = ${own}\n`,
      "pytarchive.conf",
      {},
    );
    const second = await openConfiguredLogSink(overridden, terminal(false));
    second.close();
    expect(second.file).toBe(own);
  });

  it("write no file for an empty [Logging] file, and refuse a level that does not exist", async () => {
    const none = parseConfig("[Logging]\nfile =\nlevel = WARN\n", "pytarchive.conf", {});
    expect(none.logging).toMatchObject({ file: null, level: "warn" });
    const sink = await openConfiguredLogSink(none, terminal(false));
    expect(sink.file).toBeNull();
    expect(() => parseConfig("[Logging]\nlevel = verbose\n", "pytarchive.conf", {})).toThrow(
      /\[Logging\] level.*expected one of debug, info, warn, error/,
    );
    expect(
      parseConfig("", "pytarchive.conf", { PYTARCHIVE_LOG_LEVEL: "debug" }).logging.level,
    ).toBe("debug");
  });
});
