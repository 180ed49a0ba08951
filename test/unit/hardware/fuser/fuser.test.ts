import { describe, expect, it } from "vitest";
import type { CommandResult, runCommand } from "../../../../shared/exec/index.ts";
import {
  FuserFailedError,
  FuserKillFailedError,
  FuserOutputUnparseableError,
  killUsersOf,
  listUsersOf,
  parseFuserVerbose,
  parseFuserVerboseStreams,
} from "../../../../shared/hardware/fuser/index.ts";
import { readFixture } from "../ltfs/ltfs-captures.ts";

/*
 * `fuser -v /tmp/tmp.LAeZ5LmWoK` and `fuser -vm` of the same folder, run while a `sleep` worked in
 * it, captured with psmisc 23.6 on Debian bookworm (in a VM whose PID 1 fuser may not inspect):
 * the pids on stdout, everything else on stderr.
 */
const PROC_NOISE =
  "Cannot stat file /proc/1/fd/0: Permission denied\nCannot stat file /proc/1/fd/1: Permission denied\n";
const CAPTURED_STDOUT = " 19205";
const CAPTURED_STDERR = `${PROC_NOISE}                     USER        PID ACCESS COMMAND\n/tmp/tmp.LAeZ5LmWoK: root      ..c.. sleep\n`;
const CAPTURED_MOUNT_STDOUT = "kernel     2     3";
const CAPTURED_MOUNT_STDERR = `${PROC_NOISE}                     USER        PID ACCESS COMMAND\n/tmp/tmp.LAeZ5LmWoK: root      mount /\n                     root      .rc.. kthreadd\n                     root      .rc.. pool_workqueue_release\n`;

describe("parseFuserVerbose", () => {
  it("reads the kernel's mount entry and a process's working directory (fuser-mv-mountpoint-kernel-mount-and-cwd.txt)", () => {
    expect(
      parseFuserVerbose(readFixture("real/fuser/fuser-mv-mountpoint-kernel-mount-and-cwd.txt")),
    ).toEqual([
      {
        path: "/var/www/html",
        user: "root",
        pid: null,
        access: "mount",
        command: "/media/zhangsan",
      },
      { path: "/var/www/html", user: "root", pid: 2662, access: "..c..", command: "bash" },
    ]);
  });

  it("reads a name longer than fuser's 20 columns, which stands on its own line", () => {
    const text =
      "                     USER        PID ACCESS COMMAND\n/srv/archive/ltfs-explore:\n                     alice      4711 f.... tar\n";
    expect(parseFuserVerbose(text)).toEqual([
      {
        path: "/srv/archive/ltfs-explore",
        user: "alice",
        pid: 4711,
        access: "f....",
        command: "tar",
      },
    ]);
  });

  it("rejects output without fuser's header", () => {
    expect(() => parseFuserVerbose("/mnt/ltfs0: 2662c\n")).toThrow(FuserOutputUnparseableError);
    expect(() => parseFuserVerbose("/mnt/ltfs0: 2662c\n")).toThrow(
      expect.objectContaining({ code: "FUSER_OUTPUT_UNPARSEABLE" }),
    );
  });
});

describe("parseFuserVerboseStreams", () => {
  it("puts the pids from stdout together with the rest from stderr (psmisc 23.6 capture)", () => {
    expect(parseFuserVerboseStreams(CAPTURED_STDOUT, CAPTURED_STDERR)).toEqual([
      { path: "/tmp/tmp.LAeZ5LmWoK", user: "root", pid: 19205, access: "..c..", command: "sleep" },
    ]);
  });

  it("reads the kernel mount entry of `fuser -vm` (psmisc 23.6 capture)", () => {
    const entries = parseFuserVerboseStreams(CAPTURED_MOUNT_STDOUT, CAPTURED_MOUNT_STDERR);
    expect(entries.map((e) => [e.pid, e.access, e.command])).toEqual([
      [null, "mount", "/"],
      [2, ".rc..", "kthreadd"],
      [3, ".rc..", "pool_workqueue_release"],
    ]);
  });

  it("rejects stdout and stderr that do not belong together", () => {
    expect(() => parseFuserVerboseStreams(" 19205 19206", CAPTURED_STDERR)).toThrow(
      FuserOutputUnparseableError,
    );
  });
});

function fakeFuser(result: Partial<CommandResult>, calls: string[][] = []) {
  return ((command: string, args: readonly string[]) => {
    calls.push([command, ...args]);
    return Promise.resolve({
      command,
      args,
      exitCode: 0,
      signal: null,
      stdout: "",
      stderr: "",
      durationMs: 4,
      ...result,
    });
  }) as typeof runCommand;
}

describe("killUsersOf", () => {
  it("runs `fuser -km <mountpoint>` and returns the pids it ended", async () => {
    const calls: string[][] = [];
    const result = await killUsersOf({
      fuserPath: "fuser",
      mountPoint: "/mnt/ltfs0",
      run: fakeFuser({ stdout: "  2662  3001", stderr: "/mnt/ltfs0:          cc\n" }, calls),
    });
    expect(calls).toEqual([["fuser", "-km", "/mnt/ltfs0"]]);
    expect(result).toEqual({ killedPids: [2662, 3001] });
  });

  it("takes exit 1 with nothing printed as 'nobody used it', a success", async () => {
    const result = await killUsersOf({
      fuserPath: "fuser",
      mountPoint: "/mnt/ltfs0",
      run: fakeFuser({ exitCode: 1, stderr: PROC_NOISE }),
    });
    expect(result).toEqual({ killedPids: [] });
  });

  it("throws FuserKillFailedError when a process could not be ended", async () => {
    const error = await killUsersOf({
      fuserPath: "fuser",
      mountPoint: "/mnt/ltfs0",
      run: fakeFuser({
        exitCode: 1,
        stdout: "  2662",
        stderr: "/mnt/ltfs0:          c\nCould not kill process 2662: Operation not permitted\n",
      }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FuserKillFailedError);
    expect(error).toMatchObject({ code: "FUSER_KILL_FAILED" });
    expect((error as Error).message).toBe(
      "Could not end every process using /mnt/ltfs0: 2662 (Operation not permitted)",
    );
  });

  it("throws FuserFailedError when the mount point does not exist (psmisc 23.6)", async () => {
    const error = await killUsersOf({
      fuserPath: "fuser",
      mountPoint: "/tmp/nonexist",
      run: fakeFuser({ exitCode: 1, stderr: "Specified filename /tmp/nonexist does not exist.\n" }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FuserFailedError);
    expect(error).toMatchObject({ code: "FUSER_FAILED" });
    expect((error as Error).message).toBe(
      "fuser could not check /tmp/nonexist (exit status 1): Specified filename /tmp/nonexist does not exist.",
    );
  });
});

describe("listUsersOf", () => {
  it("runs `fuser -vm <mountpoint>` and parses both streams (psmisc 23.6 capture)", async () => {
    const calls: string[][] = [];
    const entries = await listUsersOf({
      fuserPath: "fuser",
      mountPoint: "/tmp/tmp.LAeZ5LmWoK",
      run: fakeFuser({ stdout: CAPTURED_MOUNT_STDOUT, stderr: CAPTURED_MOUNT_STDERR }, calls),
    });
    expect(calls).toEqual([["fuser", "-vm", "/tmp/tmp.LAeZ5LmWoK"]]);
    expect(entries).toHaveLength(3);
  });

  it("returns no users when fuser exits 1 having found nobody", async () => {
    expect(
      await listUsersOf({
        fuserPath: "fuser",
        mountPoint: "/mnt/ltfs0",
        run: fakeFuser({ exitCode: 1, stderr: PROC_NOISE }),
      }),
    ).toEqual([]);
  });
});
