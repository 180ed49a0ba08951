import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CommandAbortedError,
  CommandFailedError,
  CommandNotStartedError,
  CommandTimeoutError,
  expectExit,
  runCommand,
} from "../../../shared/exec/index.ts";
import { writeShellScript } from "../../helpers/shell-script.ts";

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-exec-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("runCommand", () => {
  it("passes every argument literally, never through a shell", async () => {
    const canary = path.join(dir, "canary");
    fs.writeFileSync(canary, "still here");
    const hostile = `a b 'c' "d" $(rm -f ${canary}) \`rm -f ${canary}\`; rm -f ${canary} | * > x`;
    const result = await runCommand("printf", ["%s\\n", hostile]);
    expect(result.stdout).toBe(`${hostile}\n`);
    expect(fs.readFileSync(canary, "utf8")).toBe("still here");
  });

  it("keeps the exit code and both outputs, and resolves for non-zero exits", async () => {
    const tool = writeShellScript(
      dir,
      "ltfsck-like",
      'echo "LTFS16022I Volume is consistent." >&2\necho out\nexit 1',
    );
    const result = await runCommand(tool, []);
    expect(result.exitCode).toBe(1);
    expect(result.signal).toBeNull();
    expect(result.stdout).toBe("out\n");
    expect(result.stderr).toBe("LTFS16022I Volume is consistent.\n");
  });

  it("delivers stdout and stderr line by line while the command still runs", async () => {
    const marker = path.join(dir, "go");
    const tool = writeShellScript(
      dir,
      "progress",
      `echo first\necho warn >&2\nwhile [ ! -e ${marker} ]; do sleep 0.02; done\nprintf last`,
    );
    const seen: string[] = [];
    const running = runCommand(tool, [], {
      onStdoutLine: (line) => {
        seen.push(`out:${line}`);
        // The command waits for this file: a line seen here was delivered before it exited.
        if (line === "first") fs.writeFileSync(marker, "");
      },
      onStderrLine: (line) => seen.push(`err:${line}`),
    });
    const result = await running;
    expect(seen).toContain("out:first");
    expect(seen).toContain("err:warn");
    expect(seen.at(-1)).toBe("out:last");
    expect(result.stdout).toBe("first\nlast");
  });

  it("writes the given input to standard input", async () => {
    const result = await runCommand("cat", [], { input: "index data\n" });
    expect(result.stdout).toBe("index data\n");
  });

  it("stops a command that overruns its timeout and says so", async () => {
    const started = Date.now();
    const error = await runCommand("sleep", ["30"], { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(error).toMatchObject({ code: "COMMAND_TIMEOUT" });
    expect((error as CommandTimeoutError).message).toContain(
      "sleep 30 did not finish within 200 ms and was stopped",
    );
    expect((error as CommandTimeoutError).result.signal).toBe("SIGTERM");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("stops a command when the caller aborts it", async () => {
    const controller = new AbortController();
    const running = runCommand("sleep", ["30"], { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandAbortedError);
    expect((error as CommandAbortedError).code).toBe("COMMAND_ABORTED");
  });

  it("refuses to start when already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runCommand("true", [], { signal: controller.signal })).rejects.toBeInstanceOf(
      CommandAbortedError,
    );
  });

  it("names a missing tool and says where to configure it", async () => {
    const error = await runCommand("/nonexistent/mtx", ["status"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandNotStartedError);
    const notStarted = error as CommandNotStartedError;
    expect(notStarted.code).toBe("COMMAND_NOT_FOUND");
    expect(notStarted.message).toContain("/nonexistent/mtx was not found");
    expect(notStarted.hint).toContain("[Tools]");
  });

  it("says a tool that is there but not executable could not be started", async () => {
    const file = path.join(dir, "not-executable");
    fs.writeFileSync(file, "#!/bin/sh\nexit 0\n", { mode: 0o644 });
    const error = await runCommand(file, []).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "COMMAND_NOT_STARTED" });
    expect((error as CommandNotStartedError).hint).toBe(
      `Check that ${file} is executable by the user pytarchive runs as.`,
    );
  });

  it("runs the command in a process group of its own, out of reach of a terminal's Ctrl-C", async () => {
    // /proc/self/stat of `cat` itself: field 1 its pid, field 5 its process group.
    const result = await runCommand("cat", ["/proc/self/stat"]);
    const fields = result.stdout.slice(result.stdout.lastIndexOf(")") + 2).split(" ");
    const pid = Number(result.stdout.split(" ")[0]);
    const group = Number(fields[2]);
    expect(group).toBe(pid);
    const ownGroup = Number(
      fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ")[2],
    );
    expect(group).not.toBe(ownGroup);
  });
});

describe("expectExit", () => {
  it("accepts the exit codes the caller names", async () => {
    const tool = writeShellScript(dir, "exit1", "exit 1");
    const result = await runCommand(tool, []);
    expect(expectExit(result, [0, 1]).exitCode).toBe(1);
  });

  it("names the command, its exit code and the stderr lines that matter", async () => {
    const tool = writeShellScript(
      dir,
      "mtx",
      'printf "Unloading drive 0 into Storage Element 6..."\necho "mtx: Request Sense: Additional Sense Code = 53" >&2\necho "" >&2\necho "MOVE MEDIUM from Element Address 1 to 6 Failed" >&2\nexit 1',
    );
    const result = await runCommand(tool, ["-f", "/dev/sch0", "unload", "6", "0"]);
    const error = (() => {
      try {
        expectExit(result);
        return null;
      } catch (e) {
        return e;
      }
    })() as CommandFailedError;
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error.code).toBe("COMMAND_FAILED");
    expect(error.message).toBe(
      `${tool} -f /dev/sch0 unload 6 0 exited with status 1:\n  mtx: Request Sense: Additional Sense Code = 53\n  MOVE MEDIUM from Element Address 1 to 6 Failed`,
    );
    expect(error.result.exitCode).toBe(1);
  });
});
