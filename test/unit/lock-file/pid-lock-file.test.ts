import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import {
  isProcessAlive,
  type PidLockFileOptions,
  takePidLockFile,
} from "../../../shared/lock-file/index.ts";

const folders: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function lockPath(): string {
  const folder = mkdtempSync(join(tmpdir(), "pytarchive-lock-"));
  folders.push(folder);
  return join(folder, "thing.lock");
}

function options(ownPid: "held" | "stale"): PidLockFileOptions {
  return {
    ownPid,
    held: (holder) =>
      new PytarchiveError("LAUNCHER_ALREADY_RUNNING", `held by ${holder}`, { hint: "stop it" }),
    contended: () =>
      new PytarchiveError("LAUNCHER_LOCK_FAILED", "keeps coming back", { hint: "look" }),
  };
}

/** A process that runs until the test ends, and its pid. */
function runningProcess(): number {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  children.push(child);
  if (child.pid === undefined) throw new Error("sleep did not start");
  return child.pid;
}

/** The pid of a process that has exited (its parent, started here, has been collected). */
async function exitedPid(): Promise<number> {
  const child = spawn("true", [], { stdio: "ignore" });
  const pid = child.pid;
  await new Promise((resolve) => child.on("exit", resolve));
  if (pid === undefined) throw new Error("true did not start");
  return pid;
}

describe("takePidLockFile", () => {
  it("writes this process's pid, and release removes the file", () => {
    const path = lockPath();
    const lock = takePidLockFile(path, options("held"));
    expect(readFileSync(path, "utf8")).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it("refuses while another running process holds it, and leaves its file alone", () => {
    const path = lockPath();
    const holder = runningProcess();
    writeFileSync(path, `${holder}\n`);
    expect(() => takePidLockFile(path, options("stale"))).toThrow(`held by ${holder}`);
    expect(readFileSync(path, "utf8")).toBe(`${holder}\n`);
  });

  it("takes over a file left by a process that has exited", async () => {
    const path = lockPath();
    writeFileSync(path, `${await exitedPid()}\n`);
    takePidLockFile(path, options("held"));
    expect(readFileSync(path, "utf8")).toBe(`${process.pid}\n`);
  });

  it("refuses a second take in the same process when told that it may hold it already", () => {
    const path = lockPath();
    takePidLockFile(path, options("held"));
    expect(() => takePidLockFile(path, options("held"))).toThrow(`held by ${process.pid}`);
  });

  it("takes over a file naming this process when that can only be a reused pid", () => {
    const path = lockPath();
    writeFileSync(path, `${process.pid}\n`);
    const lock = takePidLockFile(path, options("stale"));
    expect(readFileSync(path, "utf8")).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it("does not remove on release a lock another process has taken since", () => {
    const path = lockPath();
    const lock = takePidLockFile(path, options("held"));
    const other = runningProcess();
    writeFileSync(path, `${other}\n`);
    lock.release();
    expect(readFileSync(path, "utf8")).toBe(`${other}\n`);
  });
});

describe("isProcessAlive", () => {
  it("tells a running process from one that has exited", async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(runningProcess())).toBe(true);
    expect(isProcessAlive(await exitedPid())).toBe(false);
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
  });

  it("counts a zombie (exited, not yet collected by its parent) as gone", async () => {
    // sh starts a short child, then becomes a sleep that never collects it when it exits.
    const parent = spawn("sh", ["-c", "sleep 0.2 & echo $!; exec sleep 30"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    children.push(parent);
    const zombie = await new Promise<number>((resolve) =>
      parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    await expect.poll(() => isProcessAlive(zombie), { timeout: 5_000 }).toBe(false);
    expect(existsSync(`/proc/${zombie}`)).toBe(true);
  });
});
