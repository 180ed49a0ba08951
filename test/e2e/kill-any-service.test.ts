import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForJob } from "../harness/stack.ts";
import {
  EXITED_MESSAGE,
  launcherLines,
  printedPid,
  STARTED_AGAIN_MESSAGE,
} from "./launcher-log.ts";
import { type E2eStack, mountsBelow, simulatedMountPoints, startE2eStack } from "./support.ts";
import {
  dataTapes,
  foldersOnTape,
  preparedFolder,
  tapeLine,
  waitForCopyOnTape,
  waitForCopyUnderWay,
} from "./tape-checks.ts";

/*
 * Issue 12's bar: with `[Services] processes = each` (one process a service, as compose runs
 * them), killing any one service process in the middle of a job loses no job. One archive runs
 * while the catalog's process is killed (kill -9) once the job is claimed, the scheduler's in the
 * middle of the copy, the changer's once the copy is on the tape (remount and read-back, before
 * the unload that needs it) and the gateway's before the job ends. Each is started again by the
 * launcher, the job ends done exactly once, the folder is on its tape and verifies, and no tape
 * stays mounted.
 */

/** A copy of a second or more here (as in service-processes.test.ts), quick to make. */
const TREE = { largeFiles: 4, largeFileBytes: 16 * 1024 * 1024, smallFiles: 1500 };

interface HistoryEntry {
  id: string;
  kind: string;
  outcome: string;
}

/** kill -9 of the process of `group`; resolves once the launcher logged it started again. */
async function killAndSeeRestarted(e2e: E2eStack, group: string): Promise<void> {
  const pid = printedPid(e2e, group);
  process.kill(pid, "SIGKILL");
  const ofGroup = (msg: string) => launcherLines(e2e, msg).filter((line) => line.group === group);
  await expect.poll(() => ofGroup(EXITED_MESSAGE).length, { timeout: 10_000 }).toBe(1);
  expect(ofGroup(EXITED_MESSAGE)[0]).toMatchObject({
    level: "error",
    pid,
    signal: "SIGKILL",
    services: [group],
  });
  await expect.poll(() => ofGroup(STARTED_AGAIN_MESSAGE).length, { timeout: 30_000 }).toBe(1);
  expect(ofGroup(STARTED_AGAIN_MESSAGE)[0]).toMatchObject({ restarts: 1 });
}

/** The job's state in the catalog's database. */
async function jobState(e2e: E2eStack, jobId: string): Promise<string | undefined> {
  const { rows } = await e2e.db.query<{ state: string }>("select state from jobs where id = $1", [
    jobId,
  ]);
  return rows[0]?.state;
}

describe("any one service process killed in the middle of an archive (processes = each)", () => {
  let e2e: E2eStack;
  let mountPoints: string[];

  beforeAll(async () => {
    e2e = await startE2eStack({ processes: "each" });
    mountPoints = await simulatedMountPoints(e2e.simulator);
  }, 120_000);

  afterAll(async () => {
    await e2e?.close();
  }, 90_000);

  it("restarts each; the job ends done once, the folder verifies, nothing stays mounted", async () => {
    const [tape] = (await dataTapes(e2e)) as [string];
    const home = await tapeLine(e2e, tape);
    const source = await preparedFolder(e2e, "2023/Kill Any", TREE);
    const name = "projects_2023_Kill Any";

    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", source, tape]);
    await expect
      .poll(() => jobState(e2e, jobId), { timeout: 30_000, interval: 20 })
      .toBe("running");
    await killAndSeeRestarted(e2e, "catalog");

    await waitForCopyUnderWay(e2e, jobId, mountPoints, name);
    await killAndSeeRestarted(e2e, "scheduler");

    await waitForCopyOnTape(e2e, jobId, mountPoints, name);
    await killAndSeeRestarted(e2e, "changer");

    await killAndSeeRestarted(e2e, "gateway");
    // The CLI asks the gateway: it answers again once the gateway's process is back.
    await expect
      .poll(() => e2e.cli.json<{ running: unknown[] }>(["queue"]).then(() => true), {
        timeout: 30_000,
      })
      .toBe(true);

    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 120_000 })).toEqual({ state: "done" });
    // Exactly one archive job, done: none lost, none doubled by a step handed out again.
    const { rows } = await e2e.db.query<{ id: string; state: string }>(
      "select id, state from jobs where kind = 'archive'",
    );
    expect(rows).toEqual([{ id: jobId, state: "done" }]);
    const history = await e2e.cli.json<{ jobs: HistoryEntry[] }>(["history"]);
    expect(
      history.jobs.filter((job) => job.kind === "archive").map((job) => [job.id, job.outcome]),
    ).toEqual([[jobId, "done"]]);
    expect(await foldersOnTape(e2e, tape)).toEqual([[source, name]]);
    expect(await tapeLine(e2e, tape)).toMatchObject({ location: "slot", slot: home.slot });
    expect(await mountsBelow(e2e.simulator)).toEqual([]);
    expect(await e2e.run(["verify", source], 120_000)).toMatchObject({ state: "done" });
    expect(await mountsBelow(e2e.simulator)).toEqual([]);
    // Each was killed once and started again once; no other process died.
    expect(
      launcherLines(e2e, EXITED_MESSAGE)
        .map((line) => line.group)
        .sort(),
    ).toEqual(["catalog", "changer", "gateway", "scheduler"]);
  }, 240_000);
});
