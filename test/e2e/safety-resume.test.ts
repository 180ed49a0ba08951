import { once } from "node:events";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { waitForJob } from "../harness/stack.ts";
import { compareTrees, digestTree } from "../harness/tree-digest.ts";
import { type E2eStack, mountsBelow, startE2eStack } from "./support.ts";

/*
 * Every step is resumable: a restore whose pytarchive (or whose nats-server) is killed with
 * SIGKILL while it writes the files, and started again on the same state, continues into its own
 * target and ends done with a tree identical to the original: paths, contents, modes, times.
 */

const LARGE_BYTES = 64 * 1024 * 1024;
const TREE = { largeFiles: 3, largeFileBytes: LARGE_BYTES, smallFiles: 400 };
const RESTORE_FIELDS = ["type", "size", "content", "mtimeUs", "mode"] as const;

/** Waits until a large file of the restore is partly written in `target`; fails if it ended. */
async function waitForLargeFileBeingWritten(
  e2e: E2eStack,
  jobId: string,
  target: string,
): Promise<void> {
  const folder = path.join(target, "raw data");
  const deadline = Date.now() + 180_000;
  for (let round = 0; ; round++) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      const size = await stat(path.join(folder, name)).then(
        (stats) => stats.size,
        () => 0,
      );
      if (size > 0 && size < LARGE_BYTES) return;
    }
    if (round % 200 === 0) {
      const { rows } = await e2e.db.query<{ state: string; progress: string | null }>(
        "select state, progress from jobs where id = $1",
        [jobId],
      );
      const job = rows[0];
      if (job === undefined || !["queued", "running"].includes(job.state)) {
        throw new Error(`restore ${jobId} was not seen writing; it is ${job?.state}`);
      }
      if (Date.now() > deadline) throw new Error(`restore ${jobId} did not start writing`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** SIGKILL of the launcher: nothing is stopped cleanly; resolves once it is gone. */
async function killLauncher(e2e: E2eStack): Promise<void> {
  const child = e2e.stack.process;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

/** SIGKILL of the launcher's nats-server; the launcher stops on its own (or is killed too). */
async function killNatsServer(e2e: E2eStack): Promise<void> {
  const pid = Number.parseInt(
    (await readFile(path.join(e2e.state, "nats", "nats-server.pid"), "utf8")).trim(),
    10,
  );
  const child = e2e.stack.process;
  const exited = once(child, "exit");
  process.kill(pid, "SIGKILL");
  const gone = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 60_000)),
  ]);
  if (!gone) {
    child.kill("SIGKILL");
    await exited;
  }
}

describe("a restore interrupted by SIGKILL continues after the restart", () => {
  let e2e: E2eStack;
  let source: string;
  let packed: string;

  beforeAll(async () => {
    e2e = await startE2eStack();
    await mkdir(path.join(e2e.home, "restored"));
    source = path.join(e2e.home, "srv", "projects", "2024", "resume");
    await makeSampleTree(source, TREE);
    expect(await e2e.run(["prepare", source, "resume test"])).toMatchObject({ state: "done" });
    packed = path.join(e2e.home, "srv", "projects", "2024", "resume-packed");
    await makeSampleTree(packed, TREE);
    expect(
      await e2e.run(["prepare", packed, "resume test, packed", "--compress"], 600_000),
    ).toMatchObject({ state: "done" });
    const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
      "tapes",
    ]);
    const tape = tapes.find((line) => !line.cleaning)?.barcode as string;
    expect(await e2e.run(["archive", source, tape], 600_000)).toMatchObject({ state: "done" });
    expect(await e2e.run(["archive", packed, tape], 600_000)).toMatchObject({ state: "done" });
  }, 900_000);

  afterAll(async () => {
    await e2e?.close();
  }, 120_000);

  for (const [what, kill] of [
    ["pytarchive (the launcher)", killLauncher],
    ["its nats-server", killNatsServer],
  ] as const) {
    it(`kill -9 of ${what} mid-restore: the job ends done, the tree is identical`, async () => {
      const target = path.join(e2e.home, "restored", what.startsWith("its") ? "nats" : "launcher");
      const queued = await e2e.cli.json<{ jobId: string }>(["restore", source, target]);
      await waitForLargeFileBeingWritten(e2e, queued.jobId, target);
      await kill(e2e);
      // The crash left a partly written target, and the job not done.
      const { rows } = await e2e.db.query<{ state: string }>(
        "select state from jobs where id = $1",
        [queued.jobId],
      );
      expect(rows[0]?.state).not.toBe("done");

      await e2e.restart();
      const end = await waitForJob(e2e.cli, queued.jobId, { timeoutMs: 600_000 });
      expect(end).toEqual({ state: "done" });
      expect(
        compareTrees(
          await digestTree(source, { exclude: [".cache"] }),
          await digestTree(target),
          RESTORE_FIELDS,
        ),
      ).toEqual([]);
      expect(await mountsBelow(path.join(e2e.simulator, "mnt"))).toEqual([]);
    }, 900_000);
  }

  it("kill -9 of pytarchive mid-restore of a --compress folder: done, the tree is identical", async () => {
    const target = path.join(e2e.home, "restored", "packed");
    const queued = await e2e.cli.json<{ jobId: string }>(["restore", packed, target]);
    // The folder's archive is first read from the tape into scratch_path, then unpacked.
    const copy = path.join(e2e.state, "scratch", `pytarchive-restore-${queued.jobId}`, "archive");
    const deadline = Date.now() + 180_000;
    for (;;) {
      const names = await readdir(copy).catch(() => [] as string[]);
      const archive = names.find((name) => name.endsWith(".tar.zst"));
      const size =
        archive === undefined ? 0 : await stat(path.join(copy, archive)).then((s) => s.size);
      if (size > 0) break;
      if (Date.now() > deadline) throw new Error(`restore ${queued.jobId} was not seen copying`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await killLauncher(e2e);

    await e2e.restart();
    const end = await waitForJob(e2e.cli, queued.jobId, { timeoutMs: 600_000 });
    expect(end).toEqual({ state: "done" });
    expect(
      compareTrees(
        await digestTree(packed, { exclude: [".cache"] }),
        await digestTree(target),
        RESTORE_FIELDS,
      ),
    ).toEqual([]);
    // Nothing of the restore is left in scratch_path.
    expect(
      (await readdir(path.join(e2e.state, "scratch"))).filter((name) =>
        name.includes(queued.jobId),
      ),
    ).toEqual([]);
  }, 900_000);
});
