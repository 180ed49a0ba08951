import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForJob } from "../harness/stack.ts";
import { compareTrees, digestTree } from "../harness/tree-digest.ts";
import { launcherLines, printedPid } from "./launcher-log.ts";
import {
  type E2eStack,
  isRunning,
  mountsBelow,
  simulatedMountPoints,
  startE2eStack,
} from "./support.ts";
import {
  dataTapes,
  foldersOnTape,
  preparedFolder,
  tapeLine,
  waitForCopyUnderWay,
} from "./tape-checks.ts";

/*
 * `[Services] processes = split` as `npm start` runs it: the data path (ltfs, verification,
 * compression) in a child process of the launcher. That process is killed (kill -9) in the middle
 * of a copy: the launcher says so in its log and starts it again, the job ends done, the copy
 * verifies and restores identical, and no tape stays mounted. Then the launcher itself is killed
 * in the middle of a copy: its service processes notice, stop cleanly by themselves (the ltfs
 * service unmounts the tape) and exit.
 */

/**
 * 64 MiB of large files and 1,500 small ones (copied first): a copy of a second or more here, long
 * enough to be killed in, and quick to make (every byte of the sample tree is hashed into being).
 */
const BIG_TREE = { largeFiles: 4, largeFileBytes: 16 * 1024 * 1024, smallFiles: 1500 };

/** Processes (other than this one) whose command line names one of the mount points. */
async function processesServing(mountPoints: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const args = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (mountPoints.some((mountPoint) => args.split("\0").includes(mountPoint))) {
      found.push(`${entry}: ${args.replaceAll("\0", " ")}`);
    }
  }
  return found;
}

describe("the data path's process killed in the middle of a copy", () => {
  let e2e: E2eStack;
  let mountPoints: string[];

  beforeAll(async () => {
    e2e = await startE2eStack({ processes: "split" });
    mountPoints = await simulatedMountPoints(e2e.simulator);
  }, 120_000);

  afterAll(async () => {
    await e2e?.close();
  }, 90_000);

  it("is started again by the launcher; the job ends done, verifies and restores identical", async () => {
    const [tape] = (await dataTapes(e2e)) as [string];
    const home = await tapeLine(e2e, tape);
    const source = await preparedFolder(e2e, "2023/Killed Mid-Copy", BIG_TREE);
    const before = await digestTree(source);
    const dataPath = printedPid(e2e, "data-path");
    const control = printedPid(e2e, "control");

    const name = "projects_2023_Killed Mid-Copy";
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", source, tape]);
    await waitForCopyUnderWay(e2e, jobId, mountPoints, name);
    process.kill(dataPath, "SIGKILL");

    // The launcher logs the death (error, with the signal) and starts the process again.
    const exitedMessage = "service process exited unexpectedly; starting it again after a pause";
    await expect.poll(() => launcherLines(e2e, exitedMessage).length, { timeout: 10_000 }).toBe(1);
    expect(launcherLines(e2e, exitedMessage)[0]).toMatchObject({
      level: "error",
      service: "launcher",
      group: "data-path",
      pid: dataPath,
      signal: "SIGKILL",
      restartInMs: 1_000,
      services: ["compression", "ltfs", "verification"],
    });
    const againMessage = "service process started again; its services take up their work";
    await expect.poll(() => launcherLines(e2e, againMessage).length, { timeout: 30_000 }).toBe(1);
    expect(launcherLines(e2e, againMessage)[0]).toMatchObject({ group: "data-path", restarts: 1 });
    expect(isRunning(control)).toBe(true);

    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 120_000 })).toEqual({ state: "done" });
    expect(await foldersOnTape(e2e, tape)).toEqual([[source, name]]);
    expect(await tapeLine(e2e, tape)).toMatchObject({ location: "slot", slot: home.slot });
    expect(await e2e.run(["verify", source], 120_000)).toMatchObject({ state: "done" });
    await mkdir(path.join(e2e.home, "restored"), { recursive: true });
    const target = path.join(e2e.home, "restored", "killed mid-copy");
    expect(await e2e.run(["restore", source, target], 120_000)).toMatchObject({ state: "done" });
    expect(
      compareTrees(await digestTree(source, { exclude: [".cache"] }), await digestTree(target)),
    ).toEqual([]);
    expect(compareTrees(before, await digestTree(source))).toEqual([]);
    expect(await mountsBelow(e2e.simulator)).toEqual([]);
    expect(await processesServing(mountPoints)).toEqual([]);
  }, 240_000);

  it("stops cleanly by itself when the launcher is killed in the middle of a copy", async () => {
    const [, tape] = (await dataTapes(e2e)) as [string, string];
    const source = await preparedFolder(e2e, "2023/Launcher Killed", BIG_TREE);
    const children = [
      printedPid(e2e, "control"),
      launcherLines(e2e, "service process started")
        .filter((line) => line.group === "data-path")
        .map((line) => line.pid as number)
        .at(-1) as number,
    ];
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", source, tape]);
    await waitForCopyUnderWay(e2e, jobId, mountPoints, "projects_2023_Launcher Killed");
    expect(await mountsBelow(e2e.simulator)).not.toEqual([]);
    e2e.stack.process.kill("SIGKILL");

    await expect
      .poll(() => children.filter((pid) => isRunning(pid)), { timeout: 60_000, interval: 250 })
      .toEqual([]);
    expect(await mountsBelow(e2e.simulator)).toEqual([]);
    expect(await processesServing(mountPoints)).toEqual([]);
    // With the launcher gone, the processes wrote their stop to the log file themselves.
    const logged = (await readFile(path.join(e2e.state, "pytarchive.log"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const group of ["control", "data-path"]) {
      expect(logged).toContainEqual(
        expect.objectContaining({
          service: "service-process",
          group,
          reason: "the launcher is gone (its channel closed)",
          msg: "stopping the service process",
        }),
      );
      expect(logged).toContainEqual(
        expect.objectContaining({ group, failures: 0, msg: "service process stopped" }),
      );
    }
  }, 180_000);
});
