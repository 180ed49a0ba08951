import { once } from "node:events";
import { access, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLibrary, withLibraryLock, writeLibrary } from "../../infra/simulator/library-state.ts";
import { INDEX_DELAY_ENV } from "../../infra/simulator/ltfs/ltfs-command.ts";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import { manifestPathFor } from "../../shared/manifest/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { waitForJob } from "../harness/stack.ts";
import { compareTrees, digestTree, type TreeDigest } from "../harness/tree-digest.ts";
import { type E2eStack, isRunning, mountsBelow, natsServerPid, startE2eStack } from "./support.ts";

/*
 * The fault suite: pytarchive (the launcher) and its nats-server are killed with SIGKILL, in turn,
 * at an early, a middle and a late point of an archive, a verify, a restore and an explore
 * (chosen from what the job is doing: still loading, working on the mounted tape, releasing it),
 * and started again each time. Afterwards every job has ended done (or failed with a message
 * that is true), nothing is mounted, no loop device of the simulated library is left, the
 * restored tree equals the original, and no original changed. The suite prints
 * `faults survived N/N`.
 *
 * The simulated robot takes 1.5 s per move and LTFS 1.5 s to write its index, as slow hardware
 * does, so that each phase lasts long enough to be hit.
 */

const SOURCE_FIELDS = ["type", "size", "content", "mtimeUs", "mode", "ctimeNs"] as const;
const SLOW_MS = 1_500;
const EXPLORE_SECONDS = 6;

type Victim = "pytarchive" | "nats-server";
type Point = "early" | "middle" | "late";

interface Fault {
  readonly job: string;
  readonly point: Point;
  readonly victim: Victim;
  /** Why it does not count as survived; null when it does. */
  problem: string | null;
  /** How long it took to reach the point and to restart, for the report. */
  timing?: string;
}

/** What the suite sees of a running job at one moment. */
interface Snapshot {
  readonly state: string;
  readonly progress: string | null;
  readonly mounts: readonly string[];
  /** A tape was mounted since the last restart. */
  readonly seenMounted: boolean;
}

let e2e: E2eStack;
let source: string;
let sourceBefore: TreeDigest;
let tape: string;
const faults: Fault[] = [];
let victims = 0;

beforeAll(async () => {
  process.env[INDEX_DELAY_ENV] = String(SLOW_MS);
  e2e = await startE2eStack({
    extraConfig: [
      "[Export]",
      "to = 127.0.0.1",
      // What real exportfs 2.6.2 lists neither secure nor insecure for (finding 15).
      "settings = ro,insecure,fsid=12,no_subtree_check",
    ],
  });
  withLibraryLock(e2e.simulator, () =>
    writeLibrary(e2e.simulator, { ...readLibrary(e2e.simulator), moveDelayMs: SLOW_MS }),
  );
  source = path.join(e2e.home, "srv", "projects", "2024", "Faults");
  await makeSampleTree(source, {
    largeFiles: 6,
    largeFileBytes: 16 * 1024 * 1024,
    smallFiles: 1500,
  });
  sourceBefore = await digestTree(source);
  await mkdir(path.join(e2e.home, "restored"));
  expect(await e2e.run(["prepare", source, "fault suite"])).toMatchObject({ state: "done" });
  const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
    "tapes",
  ]);
  tape = tapes.filter((entry) => !entry.cleaning)[0]?.barcode ?? "";
}, 180_000);

afterAll(async () => {
  delete process.env[INDEX_DELAY_ENV];
  await e2e?.close();
}, 120_000);

async function until(what: string, test: () => boolean | Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** kill -9 of `victim`, then pytarchive started again on the same state and catalog. */
async function crashAndRestart(victim: Victim): Promise<void> {
  const launcher = e2e.stack.process;
  const launcherGone = launcher.exitCode !== null || launcher.signalCode !== null;
  const exited = launcherGone ? Promise.resolve() : once(launcher, "exit").then(() => {});
  const nats = await natsServerPid(e2e);
  if (victim === "pytarchive") {
    launcher.kill("SIGKILL");
    await exited;
    // Its nats-server follows it (parent-death signal).
    await until("nats-server gone after its launcher", () => !isRunning(nats), 10_000);
  } else {
    process.kill(nats, "SIGKILL");
    // The launcher notices, stops its services and exits on its own.
    await exited;
  }
  await e2e.restart();
}

async function snapshot(jobId: string, seenMounted: boolean): Promise<Snapshot> {
  const { rows } = await e2e.db.query<{ state: string; progress: string | null }>(
    "select state, progress from jobs where id = $1",
    [jobId],
  );
  const mounts = await mountsBelow(path.join(e2e.simulator, "mnt"));
  return {
    state: rows[0]?.state ?? "missing",
    progress: rows[0]?.progress ?? null,
    mounts,
    seenMounted: seenMounted || mounts.length > 0,
  };
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** A running job that is releasing its tape: it was mounted and is not any more. */
const releasing = (now: Snapshot) =>
  now.state === "running" && now.seenMounted && now.mounts.length === 0;

/**
 * Runs the job queued by `args`, crashing pytarchive or nats-server (in turn) at each point as
 * soon as `reached` says it is there, and restarting. Resolves with the job's end.
 */
async function runWithFaults(
  job: string,
  args: readonly string[],
  reached: Record<Point, (now: Snapshot) => boolean | Promise<boolean>>,
): Promise<{ jobId: string; state: string; error: string | null }> {
  const { jobId } = await e2e.cli.json<{ jobId: string }>(args);
  for (const point of ["early", "middle", "late"] as const) {
    const fault: Fault = {
      job,
      point,
      victim: victims++ % 2 === 0 ? "pytarchive" : "nats-server",
      problem: null,
    };
    faults.push(fault);
    let seenMounted = false;
    const pointStart = Date.now();
    const deadline = Date.now() + 150_000;
    for (;;) {
      const now = await snapshot(jobId, seenMounted);
      seenMounted = now.seenMounted;
      if (now.state === "running" && (await reached[point](now))) break;
      if (!["queued", "running"].includes(now.state) || Date.now() > deadline) {
        fault.problem = `the ${point} point was never reached (job ${now.state}, ${now.progress ?? "no progress"})`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (fault.problem === null) {
      const crashAt = Date.now();
      await crashAndRestart(fault.victim);
      fault.timing = `reached after ${Math.round((crashAt - pointStart) / 1000)} s, restarted in ${Math.round((Date.now() - crashAt) / 1000)} s`;
    }
  }
  const end = await waitForJob(e2e.cli, jobId, { timeoutMs: 240_000 });
  const { rows } = await e2e.db.query<{ state: string; error: string | null }>(
    "select state, error from jobs where id = $1",
    [jobId],
  );
  return {
    jobId,
    state: rows[0]?.state ?? end.state,
    error: end.state === "failed" ? end.error : (rows[0]?.error ?? null),
  };
}

/** What must hold after every job: nothing mounted, no loop device, the original unchanged. */
async function leftovers(): Promise<string[]> {
  const problems: string[] = [];
  const mounted = await mountsBelow(e2e.simulator);
  if (mounted.length > 0) problems.push(`still mounted: ${mounted.join(", ")}`);
  const loops = expectExit(await runCommand("losetup", ["-a"]))
    .stdout.split("\n")
    .filter((line) => line.includes(e2e.simulator));
  if (loops.length > 0) problems.push(`loop devices left: ${loops.join("; ")}`);
  const changed = compareTrees(sourceBefore, await digestTree(source), SOURCE_FIELDS);
  if (changed.length > 0) problems.push(`the original changed: ${changed.slice(0, 5).join("; ")}`);
  return problems;
}

/** Marks the job's faults survived or not, from what its end and the machine show. */
function judge(job: string, problems: readonly string[]): void {
  for (const fault of faults.filter((entry) => entry.job === job)) {
    if (fault.problem === null && problems.length > 0) fault.problem = problems.join(" | ");
  }
}

function describeFaults(job: string): string {
  return faults
    .filter((fault) => fault.job === job)
    .map((fault) => `${fault.point} (${fault.victim}): ${fault.problem ?? "survived"}`)
    .join("\n");
}

/** The archived folder's name on tape, as the archive command makes it. */
const NAME = "projects_2024_Faults";

describe("kill -9 of pytarchive and of its nats-server at random points of every kind of job", () => {
  it("archive", async () => {
    const onTape = (file: (mountPoint: string) => string) => async (now: Snapshot) => {
      for (const mountPoint of now.mounts) if (await exists(file(mountPoint))) return true;
      return false;
    };
    const end = await runWithFaults("archive", ["archive", source, tape], {
      early: () => true,
      // Copying: its folder is on the tape, its manifest (written last) not yet.
      middle: async (now) =>
        (await onTape((mountPoint) => path.join(mountPoint, NAME, "analysis"))(now)) &&
        !(await onTape((mountPoint) => manifestPathFor(path.join(mountPoint, NAME)))(now)),
      // Written: read back, or releasing the tape.
      late: async (now) =>
        releasing(now) ||
        (await onTape((mountPoint) => manifestPathFor(path.join(mountPoint, NAME)))(now)),
    });
    const problems = await leftovers();
    const { rows } = await e2e.db.query<{ state: string }>(
      "select state from folders where path = $1",
      [source],
    );
    if (end.state === "done") {
      if (rows[0]?.state !== "archived") problems.push(`done, but the folder is ${rows[0]?.state}`);
    } else if (end.state === "failed") {
      if (!end.error || end.error.length < 20)
        problems.push(`failed without a clear message: ${end.error}`);
      if (rows[0]?.state === "archived")
        problems.push(`failed (${end.error}), yet the folder is archived`);
    } else {
      problems.push(`ended ${end.state}: ${end.error}`);
    }
    judge("archive", problems);
    expect(problems, describeFaults("archive")).toEqual([]);
  }, 600_000);

  it("verify", async () => {
    const end = await runWithFaults("verify", ["verify", tape], {
      early: () => true,
      middle: (now) => now.mounts.length > 0,
      late: releasing,
    });
    const problems = await leftovers();
    if (end.state === "failed") {
      // The tape holds a good copy: a failed verify would be a false alarm.
      problems.push(`failed on a good tape: ${end.error}`);
    } else if (end.state !== "done") {
      problems.push(`ended ${end.state}: ${end.error}`);
    }
    judge("verify", problems);
    expect(problems, describeFaults("verify")).toEqual([]);
  }, 600_000);

  it("restore", async () => {
    const target = path.join(e2e.home, "restored", "Faults");
    const end = await runWithFaults("restore", ["restore", source, target], {
      early: () => true,
      middle: async () =>
        (await readdir(target, { recursive: true }).catch(() => [] as string[])).length >= 5,
      late: releasing,
    });
    const problems = await leftovers();
    if (end.state === "done") {
      const differences = compareTrees(
        await digestTree(source, { exclude: [".cache"] }),
        await digestTree(target),
      );
      if (differences.length > 0) {
        problems.push(`the restored tree differs: ${differences.slice(0, 5).join("; ")}`);
      }
    } else {
      problems.push(`ended ${end.state}: ${end.error}`);
    }
    judge("restore", problems);
    expect(problems, describeFaults("restore")).toEqual([]);
  }, 600_000);

  it("explore", async () => {
    const end = await runWithFaults("explore", ["explore", tape, "-t", String(EXPLORE_SECONDS)], {
      early: () => true,
      middle: (now) => /exported to/.test(now.progress ?? ""),
      late: releasing,
    });
    const problems = await leftovers();
    if (end.state !== "done") problems.push(`ended ${end.state}: ${end.error}`);
    judge("explore", problems);
    expect(problems, describeFaults("explore")).toEqual([]);
  }, 600_000);

  it("survives every fault", () => {
    const survived = faults.filter((fault) => fault.problem === null).length;
    for (const fault of faults) {
      process.stdout.write(
        `  ${fault.job} ${fault.point}, kill -9 of ${fault.victim}: ${fault.problem ?? "survived"} (${fault.timing ?? "not injected"})\n`,
      );
    }
    process.stdout.write(`faults survived ${survived}/${faults.length}\n`);
    expect(faults.length).toBe(12);
    expect(survived).toBe(faults.length);
  });
});
