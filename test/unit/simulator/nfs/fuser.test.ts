import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runTool, type ToolRun, waitUntil } from "../ltfs/simulated-drives.ts";

/*
 * The machine the tests run on has psmisc's own fuser (/usr/bin/fuser), so the simulated one is
 * checked against it: same arguments, same file system, same processes, same stdout, stderr and
 * exit code. Each test mounts a small tmpfs of its own, so no other process uses it.
 */
const REAL_FUSER = "/usr/bin/fuser";

let mountPoint = "";
const children: ChildProcess[] = [];

beforeEach(() => {
  mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), "fuser-sim-test-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint]);
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  execFileSync("umount", ["--lazy", mountPoint]);
  fs.rmdirSync(mountPoint);
});

/**
 * Where PID 1 is out of reach (containers), psmisc complains about each of its descriptors, and
 * so does the simulated fuser. Those lines change as PID 1 opens and closes files between two
 * runs, so comparisons look past them.
 */
function withoutProcNoise(run: ToolRun): ToolRun {
  const stderr = run.stderr.replace(/^Cannot stat file \/proc\/\d+\/fd\/\d+: .*\n/gm, "");
  return { ...run, stderr };
}

function realFuser(args: readonly string[]): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(REAL_FUSER, args, (error, stdout, stderr) => {
      const code = error === null ? 0 : (error as { code?: number }).code;
      resolve({ exitCode: typeof code === "number" ? code : -1, stdout, stderr });
    });
  });
}

/** A process that sits in `cwd`, optionally with a file of the mount open for writing. */
async function startUser(cwd: string, openForWriting?: string): Promise<ChildProcess> {
  const script =
    openForWriting === undefined ? "exec sleep 60" : `exec 3>>'${openForWriting}'; exec sleep 60`;
  const child = spawn("sh", ["-c", script], { cwd, stdio: "ignore" });
  children.push(child);
  // Wait until `sh` has become `sleep` with its descriptors in place.
  await waitUntil(() => {
    try {
      return fs.readFileSync(`/proc/${child.pid}/comm`, "utf8").trim() === "sleep";
    } catch {
      return false;
    }
  }, 5_000);
  return child;
}

describe("simulated fuser", () => {
  it("reports a process working inside the mount (-m) exactly as psmisc does", async () => {
    const user = await startUser(mountPoint);
    const simulated = await runTool("fuser", ["-m", mountPoint]);
    const real = await realFuser(["-m", mountPoint]);
    expect(withoutProcNoise(simulated)).toEqual(withoutProcNoise(real));
    // Both complain about PID 1's descriptors, or neither does.
    expect(simulated.stderr.includes("Cannot stat file /proc/1/fd/")).toBe(
      real.stderr.includes("Cannot stat file /proc/1/fd/"),
    );
    expect(withoutProcNoise(simulated)).toEqual({
      exitCode: 0,
      stdout: ` ${String(user.pid).padStart(5)}`,
      stderr: `${mountPoint}:c\n`,
    });
  });

  it("prints psmisc's -v table, with the kernel's mount and an open file for writing (F)", async () => {
    const dir = path.join(mountPoint, "d");
    fs.mkdirSync(dir);
    await startUser(mountPoint);
    await startUser(dir, path.join(dir, "log.txt"));
    const simulated = await runTool("fuser", ["-vm", mountPoint]);
    expect(withoutProcNoise(simulated)).toEqual(
      withoutProcNoise(await realFuser(["-vm", mountPoint])),
    );
    expect(simulated.stderr).toContain(" mount ");
    expect(simulated.stderr).toContain(" F.c.. sleep\n");
  });

  it("without -m finds only the processes using that very file", async () => {
    const file = path.join(mountPoint, "data.bin");
    fs.writeFileSync(file, "x");
    await startUser(mountPoint);
    const writer = await startUser("/", file);
    const simulated = await runTool("fuser", [file]);
    expect(withoutProcNoise(simulated)).toEqual(withoutProcNoise(await realFuser([file])));
    expect(simulated.stdout).toBe(` ${String(writer.pid).padStart(5)}`);
  });

  it("kills the users with -k (exit 0), then finds nobody (exit 1, no output)", async () => {
    const user = await startUser(mountPoint);
    const exited = new Promise((resolve) => user.on("exit", (_code, signal) => resolve(signal)));
    const killed = await runTool("fuser", ["-km", mountPoint]);
    expect(killed.exitCode).toBe(0);
    expect(await exited).toBe("SIGKILL");
    const nobody = await runTool("fuser", ["-m", mountPoint]);
    expect(withoutProcNoise(nobody)).toEqual({ exitCode: 1, stdout: "", stderr: "" });
    expect(withoutProcNoise(nobody)).toEqual(withoutProcNoise(await realFuser(["-m", mountPoint])));
    expect((await runTool("fuser", ["-km", mountPoint])).exitCode).toBe(1);
  });

  it("says so when the file does not exist (exit 1), as psmisc does", async () => {
    const missing = path.join(mountPoint, "missing");
    const simulated = await runTool("fuser", ["-m", missing]);
    expect(withoutProcNoise(simulated)).toEqual(withoutProcNoise(await realFuser(["-m", missing])));
    expect(simulated).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: `Specified filename ${missing} does not exist.\n`,
    });
  });
});
