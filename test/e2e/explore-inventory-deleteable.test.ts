import { mkdir, readFile, rename, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import { describeBytes } from "../../shared/format/describe-size.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { waitForJob } from "../harness/stack.ts";
import { compareTrees, digestTree } from "../harness/tree-digest.ts";
import {
  type ReceivedMail,
  startMailServer,
  startWebhook,
  type TestMailServer,
  type TestWebhook,
  waitFor,
} from "../integration/notifier/support.ts";
import { type E2eStack, flipByte, startE2eStack, withTapeImage } from "./support.ts";

/*
 * Issue 5's verbs through the CLI on the simulated library, with a real SMTP server and a real
 * chat webhook on loopback: explore exports a tape over NFS and mails where and until when, then
 * withdraws, unmounts and puts the tape back (also when aborted); inventory mails the age
 * groups and posts the summary to chat; deleteable lists verified archives whose original is
 * still there, and, this library being simulated, lists them apart as never safe to delete; a
 * failed job mails the admins, saying the library is simulated.
 */

const ADMIN = "admin@example.org";
const REQUESTER = "user@example.org";

let e2e: E2eStack;
let mail: TestMailServer;
let webhook: TestWebhook;
let projects: string;
/** The tape every folder of this file goes to. */
let tape: string;
/** The folder test 1 archives; later tests use it as the one still on disk. */
let explored: string;

beforeAll(async () => {
  mail = await startMailServer();
  webhook = await startWebhook();
  e2e = await startE2eStack({
    extraConfig: [
      "[SMTP]",
      "host = 127.0.0.1",
      `port = ${mail.port}`,
      `admins = ${ADMIN}`,
      "from = pytarchive@example.org",
      // No logging.conf of the machine's may fill in anything.
      "logging_conf =",
      "[Chat]",
      `webhook_url = ${webhook.url}`,
      "[Export]",
      "to = 192.168.0.0/16",
      "settings = ro,fsid=1,no_subtree_check",
    ],
  });
  projects = path.join(e2e.home, "srv", "projects");
  await mkdir(path.join(e2e.home, "restored"));
  const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
    "tapes",
  ]);
  [tape] = tapes.filter((entry) => !entry.cleaning).map((entry) => entry.barcode) as [string];
}, 120_000);

afterAll(async () => {
  await e2e?.close();
  await webhook?.close();
  await mail?.close();
}, 60_000);

/** `exportfs -v` of the simulated NFS server: one entry per exported path and client. */
async function exportsListed(): Promise<{ path: string; client: string; options: string[] }[]> {
  const result = await expectExit(
    await runCommand(path.join(e2e.simulator, "bin", "exportfs"), ["-v"]),
  );
  // Mount points hold no blanks: the listing is path, client(options), path, client(options) …
  const words = result.stdout.trim().split(/\s+/).filter(Boolean);
  const entries: { path: string; client: string; options: string[] }[] = [];
  for (let index = 0; index + 1 < words.length; index += 2) {
    const match = /^(.*)\((.*)\)$/.exec(words[index + 1] ?? "");
    entries.push({
      path: words[index] ?? "",
      client: match?.[1] ?? "",
      options: (match?.[2] ?? "").split(","),
    });
  }
  return entries;
}

/** The simulated drives' mount points something is mounted at (/proc/mounts). */
async function mountedDriveMountPoints(): Promise<string[]> {
  const mountDir = `${path.join(e2e.simulator, "mnt")}/`;
  return (await readFile("/proc/mounts", "utf8"))
    .split("\n")
    .map((line) => (line.split(" ")[1] ?? "").replace(/\\040/g, " "))
    .filter((mountPoint) => mountPoint.startsWith(mountDir));
}

async function tapeListing(barcode: string) {
  const { tapes } = await e2e.cli.json<{
    tapes: { barcode: string; location: string; slot: number | null; drive: number | null }[];
  }>(["tapes"]);
  return tapes.find((entry) => entry.barcode === barcode);
}

/** The export of a drive's mount point, once the explore job made it. */
function waitForExport(timeoutMs = 120_000) {
  const mountDir = `${path.join(e2e.simulator, "mnt")}/`;
  return waitFor(
    "the explored tape to be exported",
    async () => (await exportsListed()).find((entry) => entry.path.startsWith(mountDir)),
    timeoutMs,
  );
}

async function jobState(jobId: string): Promise<string | undefined> {
  const { rows } = await e2e.db.query<{ state: string }>("select state from jobs where id = $1", [
    jobId,
  ]);
  return rows[0]?.state;
}

function mailTo(address: string, subject: (text: string) => boolean): Promise<ReceivedMail> {
  return waitFor(
    `a mail to ${address}`,
    () =>
      mail.mails.find((each) => each.envelopeTo.includes(address) && subject(each.subject)) ??
      false,
    60_000,
  );
}

async function deleteable(ignore: string[] = []) {
  return e2e.cli.json<{
    deleteable: { path: string; tape: string; sizeKiB: number; description: string }[];
    unchecked: unknown[];
    simulatedOnly: { path: string; tape: string; sizeKiB: number; description: string }[];
  }>(["deleteable", ...(ignore.length > 0 ? ["--ignore", ...ignore] : [])]);
}

/** Prepares and archives a small sample folder to `tape`; returns its name on the tape. */
async function archiveSample(folder: string, description: string): Promise<string> {
  await makeSampleTree(folder, { largeFiles: 1, largeFileBytes: 256 * 1024, smallFiles: 8 });
  expect(await e2e.run(["prepare", folder, description])).toMatchObject({ state: "done" });
  expect(await e2e.run(["archive", folder, tape])).toMatchObject({ state: "done" });
  const summary = await e2e.cli.json<{
    tapes: { barcode: string; folders: { path: string; name: string }[] }[];
  }>(["summary"]);
  const name = summary.tapes
    .find((entry) => entry.barcode === tape)
    ?.folders.find((entry) => entry.path === folder)?.name;
  expect(name).toBeDefined();
  return name ?? "";
}

describe("explore, inventory and deleteable through the CLI on the simulated library", () => {
  it("explore exports the tape read-only, mails where and until when, then puts it back", async () => {
    explored = path.join(projects, "2025", "Explore Me");
    const name = await archiveSample(explored, "Explored project, 2025");
    const home = await tapeListing(tape);
    expect(home).toMatchObject({ location: "slot" });

    const { jobId } = await e2e.cli.json<{ jobId: string }>([
      "explore",
      tape,
      "-t",
      "8",
      "-e",
      REQUESTER,
    ]);
    const exported = await waitForExport();
    // While it runs: exported to the configured network with the configured options …
    expect(exported.client).toBe("192.168.0.0/16");
    expect(exported.options).toEqual(expect.arrayContaining(["ro", "fsid=1", "no_subtree_check"]));
    expect(exported.options).not.toContain("rw");
    // … and the mount point holds the archived folder, read-only. (Quick: the withdrawal ends
    // every process still using the mount.)
    const mountPoint = exported.path;
    expect(await mountedDriveMountPoints()).toEqual([mountPoint]);
    expect(
      compareTrees(
        await digestTree(explored, { exclude: [".cache"] }),
        await digestTree(path.join(mountPoint, name)),
        ["type", "size", "content"],
      ),
    ).toEqual([]);
    await expect(writeFile(path.join(mountPoint, "scribble.txt"), "x")).rejects.toMatchObject({
      code: "EROFS",
    });
    // It is the mount point of the drive the tape is in.
    const loaded = await tapeListing(tape);
    expect(loaded?.location).toBe("drive");
    expect(mountPoint).toBe(path.join(e2e.simulator, "mnt", String(loaded?.drive)));

    const toRequester = await mailTo(REQUESTER, (subject) => subject.includes(tape));
    const address = `${hostname()}:${mountPoint}`;
    expect(toRequester.subject).toContain(address);
    // The library is a simulation: the mail says the tape is not a real cartridge.
    expect(toRequester.subject).toContain(`tape ${tape} (SIMULATED)`);
    expect(toRequester.text).toContain(`sudo mount -t nfs -o ro ${address} /mnt/tape`);
    const exportedAt = /^Exported: .*\((\S+)\)$/m.exec(toRequester.text)?.[1];
    const withdrawnAt = /^Withdrawn: .*\((\S+)\),/m.exec(toRequester.text)?.[1];
    expect(Date.parse(withdrawnAt ?? "") - Date.parse(exportedAt ?? "")).toBe(8_000);

    // The export is withdrawn when the mail said (allowing for the polls on a busy machine).
    await waitFor(
      "the export to be withdrawn",
      async () => !(await exportsListed()).some((entry) => entry.path === mountPoint),
      60_000,
    );
    const late = Date.now() - Date.parse(withdrawnAt ?? "");
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(15_000);

    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 120_000 })).toEqual({ state: "done" });
    expect(await jobState(jobId)).toBe("done");
    expect(await exportsListed()).toEqual([]);
    expect(await mountedDriveMountPoints()).toEqual([]);
    expect(await tapeListing(tape)).toEqual(home);
  }, 300_000);

  it("explore stops at once when aborted: withdrawn, unmounted, tape home", async () => {
    const home = await tapeListing(tape);
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["explore", tape, "-t", "600"]);
    await waitForExport();
    const abortedAt = Date.now();
    expect(await e2e.cli.json<{ stopRequested: string[] }>(["abort", jobId])).toMatchObject({
      stopRequested: [jobId],
    });
    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 30_000, pollMs: 250 })).toEqual({
      state: "aborted",
    });
    expect(await jobState(jobId)).toBe("aborted");
    expect(Date.now() - abortedAt).toBeLessThan(30_000);
    expect(await exportsListed()).toEqual([]);
    expect(await mountedDriveMountPoints()).toEqual([]);
    expect(await tapeListing(tape)).toEqual(home);
  }, 180_000);

  it("inventory mails each subfolder under its age group with its size, and posts to chat", async () => {
    const source = path.join(e2e.home, "srv", "homes");
    const day = 86_400_000;
    const subfolders = [
      { name: "ancient", kib: 400, ageDays: 3 * 365, heading: "Older than 2 years" },
      { name: "old", kib: 300, ageDays: 548, heading: "Older than 1 year" },
      { name: "half", kib: 200, ageDays: 243, heading: "Older than 6 months" },
      { name: "fresh", kib: 100, ageDays: 30, heading: "Recently changed" },
    ];
    for (const sub of subfolders) {
      const folder = path.join(source, sub.name);
      await mkdir(path.join(folder, "data"), { recursive: true });
      await writeFile(path.join(folder, "data", "values.bin"), Buffer.alloc(sub.kib * 1024, 7));
      const when = new Date(Date.now() - sub.ageDays * day);
      await utimes(folder, when, when);
    }
    const inventory = await e2e.run(["inventory", source]);
    expect(inventory).toMatchObject({ state: "done" });

    const report = await mailTo(ADMIN, (subject) => subject.startsWith("pytarchive inventory:"));
    const lines = report.text.split("\n");
    const headings = subfolders.map((sub) =>
      lines.findIndex((line) => line.startsWith(`${sub.heading}:`)),
    );
    expect(headings.every((index) => index >= 0)).toBe(true);
    for (const [position, sub] of subfolders.entries()) {
      const folder = path.join(source, sub.name);
      const du = await expectExit(await runCommand("du", ["-sk", folder]));
      const size = describeBytes(Number(du.stdout.split("\t")[0]) * 1024);
      const row = lines.findIndex((line) => line.endsWith(`  ${folder}`));
      expect(row, `${sub.name} in the report`).toBeGreaterThan(headings[position] ?? 0);
      expect(row, `${sub.name} under ${sub.heading}`).toBeLessThan(
        headings[position + 1] ?? lines.length,
      );
      expect(lines[row]?.trim().startsWith(size), `${lines[row]} starts with ${size}`).toBe(true);
      expect(lines[headings[position] ?? 0]).toContain("1 folder");
    }

    const post = await waitFor("the inventory summary in chat", () =>
      webhook.posts.find(
        (body): body is { text: string } =>
          typeof (body as { text?: unknown }).text === "string" &&
          (body as { text: string }).text.startsWith("pytarchive inventory of"),
      ),
    );
    expect(post.text).toContain("- older than 2 years: 1 folder");
    expect(post.text).toContain("- recently changed: 1 folder");
  }, 180_000);

  describe("deleteable", () => {
    let gone: string;
    let tampered: string;
    let tamperedName: string;

    it("lists verified archives whose original still exists, with tape, size and description, apart: only on simulated tapes, never safe to delete", async () => {
      gone = path.join(projects, "2025", "Gone Away");
      tampered = path.join(projects, "2025", "Tampered");
      await archiveSample(gone, "Removed after archiving");
      tamperedName = await archiveSample(tampered, "Changed on tape");

      const { deleteable: safe, simulatedOnly: listed, unchecked } = await deleteable();
      expect(unchecked).toEqual([]);
      // Every copy is on a loop image of the simulated library: none is safe to delete.
      expect(safe).toEqual([]);
      // The size is the original's as du counts it without the excluded .cache folder.
      const sizes = new Map<string, number>();
      for (const folder of [explored, gone, tampered]) {
        const du = await expectExit(await runCommand("du", ["-sk", "--exclude=.cache", folder]));
        sizes.set(folder, Number(du.stdout.split("\t")[0]));
      }
      expect(listed).toEqual(
        [
          [explored, "Explored project, 2025"],
          [gone, "Removed after archiving"],
          [tampered, "Changed on tape"],
        ]
          .sort(([a], [b]) => ((a ?? "") < (b ?? "") ? -1 : 1))
          .map(([folder, description]) =>
            expect.objectContaining({
              path: folder,
              tape,
              sizeKiB: sizes.get(folder ?? ""),
              description,
            }),
          ),
      );
      for (const entry of listed) expect(entry.sizeKiB).toBeGreaterThan(256);
      // --ignore drops the folders under a prefix (compared as text), and only those.
      expect(
        (await deleteable([path.join(projects, "2025", "Gone")])).simulatedOnly.map(
          (entry) => entry.path,
        ),
      ).toEqual([explored, tampered]);
    }, 300_000);

    it("leaves out an original that was removed, one whose verify failed, and ignored prefixes", async () => {
      await rename(gone, `${gone}.moved-away`);
      await withTapeImage(e2e.simulator, tape, "rw", (mounted) =>
        flipByte(path.join(mounted, tamperedName, "raw data", "scan 1.bin"), 100_000),
      );
      const verified = await e2e.run(["verify", tampered]);
      expect(verified.state).toBe("failed");

      expect(await deleteable()).toMatchObject({
        deleteable: [],
        simulatedOnly: [expect.objectContaining({ path: explored })],
      });
      expect(
        (await deleteable([path.join(projects, "2025", "Explore")])).simulatedOnly.map(
          (entry) => entry.path,
        ),
      ).toEqual([]);
    }, 300_000);

    it("mails the admins when a job fails: a restore from the tampered tape", async () => {
      const target = path.join(e2e.home, "restored", "tampered");
      const restored = await e2e.run(["restore", tampered, target]);
      expect(restored.state).toBe("failed");
      const error = restored.state === "failed" ? restored.error : "";
      expect(error).toContain("scan 1.bin");

      const failure = await mailTo(
        ADMIN,
        (subject) =>
          subject === `pytarchive: Task failed — restore ${restored.jobId} (simulated library)`,
      );
      expect(failure.envelopeTo).toEqual([ADMIN]);
      expect(failure.text).toContain(restored.jobId);
      expect(failure.text).toContain("scan 1.bin");
      expect(failure.text).toContain(`pytarchive requeue ${restored.jobId}`);
    }, 300_000);
  });
});
