import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEmbeddedClientSettings } from "../../shared/nats/embedded-client.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { REPO_ROOT, waitForJob } from "../harness/stack.ts";
import { compareTrees, digestTree } from "../harness/tree-digest.ts";
import { type E2eStack, isRunning, mountsBelow, natsServerPid, startE2eStack } from "./support.ts";

/*
 * Finding 10: stopping is clean. One Ctrl-C (which reaches the launcher more than once: from the
 * terminal and from npm) or one SIGTERM stops pytarchive with every tape unmounted, its
 * nats-server stopped and exit status 0; `npm start | tee` stops the same way although tee dies
 * with the Ctrl-C; the job that was running goes on after the next start. A `kill -9` of the
 * launcher takes its nats-server along within seconds.
 */

const SOURCE_FIELDS = ["type", "size", "content", "mtimeUs", "mode"] as const;

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack();
}, 120_000);

afterAll(async () => {
  await e2e?.close();
}, 120_000);

/** Mount points of the simulated drives that the mount table shows now. */
async function tapeMounts(): Promise<string[]> {
  return await mountsBelow(path.join(e2e.simulator, "mnt"));
}

/** A prepared folder big enough that its copy takes several seconds. */
async function preparedFolder(relative: string): Promise<string> {
  const folder = path.join(e2e.home, "srv", "projects", relative);
  await makeSampleTree(folder, {
    largeFiles: 8,
    largeFileBytes: 24 * 1024 * 1024,
    smallFiles: 2000,
  });
  expect(await e2e.run(["prepare", folder, `stop test: ${relative}`])).toMatchObject({
    state: "done",
  });
  return folder;
}

/** A blank or formatted data tape of the simulated library that holds nothing yet. */
async function freeTape(index: number): Promise<string> {
  const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
    "tapes",
  ]);
  const barcode = tapes.filter((tape) => !tape.cleaning)[index]?.barcode;
  if (barcode === undefined) throw new Error(`no data tape number ${index}`);
  return barcode;
}

/** Queues an archive and waits until its tape is mounted and the copy has begun on it. */
async function archiveUnderWay(folder: string, tape: string): Promise<string> {
  const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", folder, tape]);
  const name = folder.split(path.sep).slice(-3).join("_");
  await expect
    .poll(
      async () => {
        for (const mountPoint of await tapeMounts()) {
          if (
            await access(path.join(mountPoint, name)).then(
              () => true,
              () => false,
            )
          )
            return true;
        }
        return false;
      },
      { timeout: 120_000, interval: 100 },
    )
    .toBe(true);
  return jobId;
}

/** Runs `command` in a process group of its own, as a shell runs a foreground job. */
function inOwnGroup(
  command: string,
  args: readonly string[],
): { child: ChildProcess; output: string[] } {
  const child = spawn(command, [...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PYTARCHIVE_CONFIG: e2e.configFile },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString("utf8").split("\n"));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return { child, output };
}

/** Waits until the launcher of the state folder wrote a new client.json and answers. */
async function waitUntilRunning(previousStart: string | null): Promise<void> {
  await expect
    .poll(
      async () => {
        const client = readEmbeddedClientSettings(e2e.state);
        if (client === null || client.startedAt === previousStart) return false;
        return (await e2e.cli.run(["queue", "--json"])).exitCode === 0;
      },
      { timeout: 120_000, interval: 500 },
    )
    .toBe(true);
}

/** Ctrl-C in a terminal: SIGINT to the whole foreground process group, here twice within 100 ms. */
async function ctrlC(child: ChildProcess): Promise<void> {
  const group = -(child.pid ?? 0);
  process.kill(group, "SIGINT");
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.kill(group, "SIGINT");
}

/** The error lines of a run's output, then its last lines: what a failed stop needs to be read. */
function whatWentWrong(output: readonly string[]): string {
  const errors = output.filter((line) => line.includes('"level":"error"'));
  return [...errors, "…", ...output.slice(-20)].join("\n");
}

/** `npm start -- --simulate …` of the test's state folder and configuration. */
function npmStartArgs(): string[] {
  const client = readEmbeddedClientSettings(e2e.state);
  const port = new URL(client?.natsUrl ?? "nats://127.0.0.1:14222").port;
  return ["start", "--", "--simulate", "--config", e2e.configFile, "--nats-port", port];
}

describe("a clean stop", () => {
  it("Ctrl-C on `npm start` mid-archive: exit 0, tape unmounted, nats-server gone; the job finishes after the next start", async () => {
    const folder = await preparedFolder("2023/CtrlC");
    const before = await digestTree(folder);
    const tape = await freeTape(0);
    // pytarchive as a user runs it: `npm start` in a terminal.
    const previous = readEmbeddedClientSettings(e2e.state)?.startedAt ?? null;
    await e2e.stack.stop();
    const npm = inOwnGroup("npm", npmStartArgs());
    const npmExit = once(npm.child, "exit");
    await waitUntilRunning(previous);
    const nats = await natsServerPid(e2e);
    const jobId = await archiveUnderWay(folder, tape);

    await ctrlC(npm.child);
    const [code, signal] = (await npmExit) as [number | null, string | null];
    expect({ code, signal }, whatWentWrong(npm.output)).toEqual({ code: 0, signal: null });
    expect(npm.output.join("\n")).toContain("pytarchive stopped.");
    expect(await tapeMounts()).toEqual([]);
    expect(isRunning(nats)).toBe(false);

    await e2e.restart();
    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 200_000 })).toEqual({ state: "done" });
    expect(await tapeMounts()).toEqual([]);
    expect(compareTrees(before, await digestTree(folder), SOURCE_FIELDS)).toEqual([]);
  }, 420_000);

  it("Ctrl-C on `npm start | tee`: tee dies, pytarchive still unmounts, stops nats-server and exits; the next start works", async () => {
    const folder = await preparedFolder("2023/Tee");
    const tape = await freeTape(1);
    const previous = readEmbeddedClientSettings(e2e.state)?.startedAt ?? null;
    await e2e.stack.stop();
    const logFile = path.join(e2e.home, "tee.log");
    const quoted = npmStartArgs()
      .map((arg) => `'${arg}'`)
      .join(" ");
    const shell = inOwnGroup("sh", ["-c", `npm ${quoted} 2>&1 | tee '${logFile}'`]);
    const shellExit = once(shell.child, "exit");
    await waitUntilRunning(previous);
    const launcher = readEmbeddedClientSettings(e2e.state)?.launcherPid ?? 0;
    const nats = await natsServerPid(e2e);
    const jobId = await archiveUnderWay(folder, tape);

    await ctrlC(shell.child);
    await shellExit;
    await expect.poll(() => isRunning(launcher), { timeout: 120_000, interval: 200 }).toBe(false);
    // What tee saved before it died is all the launcher's output there is to read.
    const saved = (await readFile(logFile, "utf8").catch(() => "")).split("\n");
    expect(isRunning(nats), whatWentWrong(saved)).toBe(false);
    expect(await tapeMounts(), whatWentWrong(saved)).toEqual([]);

    // The next start finds its port free (no NATS_PORT_IN_USE) and finishes the job.
    await e2e.restart();
    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 200_000 })).toEqual({ state: "done" });
    expect(await tapeMounts()).toEqual([]);
  }, 420_000);

  it("SIGTERM mid-archive: exit 0 with nothing mounted in /proc/mounts; the job resumes after the restart", async () => {
    const folder = await preparedFolder("2023/Sigterm");
    const before = await digestTree(folder);
    const tape = await freeTape(2);
    const jobId = await archiveUnderWay(folder, tape);
    const nats = await natsServerPid(e2e);

    expect(await e2e.stack.stop()).toBe(0);
    expect(await tapeMounts()).toEqual([]);
    expect(isRunning(nats)).toBe(false);

    await e2e.restart();
    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 200_000 })).toEqual({ state: "done" });
    const { rows } = await e2e.db.query<{ state: string }>(
      "select state from folders where path = $1",
      [folder],
    );
    expect(rows[0]?.state).toBe("archived");
    expect(await tapeMounts()).toEqual([]);
    expect(compareTrees(before, await digestTree(folder), SOURCE_FIELDS)).toEqual([]);
  }, 420_000);

  it("kill -9 of the launcher: its nats-server is gone within a few seconds", async () => {
    const nats = await natsServerPid(e2e);
    expect(isRunning(nats)).toBe(true);
    const launcher = e2e.stack.process;
    const exited = once(launcher, "exit");
    launcher.kill("SIGKILL");
    await exited;
    await expect.poll(() => isRunning(nats), { timeout: 5_000, interval: 100 }).toBe(false);
    // And pytarchive starts again on the same state folder and port.
    await e2e.restart();
    expect((await e2e.cli.run(["queue"])).exitCode).toBe(0);
  }, 180_000);
});
