import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueueJob } from "../../shared/messages/commands.ts";
import { REPO_ROOT } from "../harness/stack.ts";
import { type E2eStack, simulatorCli, startE2eStack } from "./support.ts";

/*
 * Issue 13's live view on a real archive through the simulated library: `pytarchive watch` (JSON
 * lines, and its progress bar in a pseudo-terminal), and the status page in headless Chromium,
 * kept live by the gateway's server-sent events. One stack and one browser for the file.
 */

let e2e: E2eStack;
let browser: BrowserContext;
let page: Page;
let statusUrl: string;
/** Kept after the test: the screenshots are for a person to look at. */
let screenshots: string;

/**
 * Big enough that writing and reading back each take more than a second (steps report every
 * second) even on a fast idle machine; the simulated tapes hold 957 MiB.
 */
const LARGE_FILES = 10;
const LARGE_FILE_BYTES = 64 * 1024 * 1024;
/**
 * Many small files besides: their per-file cost grows with the machine's load as the page's
 * reads do, so the steps outlast several of the page's updates even on a busy CI machine (with
 * large files only, a loaded run saw one update before the job was done).
 */
const SMALL_FILES = 6_000;
const SMALL_FILE_TEXT = "small file\n";
const HOSTILE_NAME = `<b>"quoted" & 'x'`;
/** The steps of an archive that report progress, in the order they run. */
const STEP_ORDER = ["clear", "load", "mount", "write", "remount", "verify", "unmount", "unload"];

beforeAll(async () => {
  e2e = await startE2eStack();
  const port = /^port = (\d+)$/m.exec(await readFile(e2e.configFile, "utf8"))?.[1];
  statusUrl = `http://127.0.0.1:${port}/`;
  screenshots = await mkdtemp(path.join(tmpdir(), "pyt-status-page-"));
  browser = await chromium.launchPersistentContext(path.join(screenshots, "profile"), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 1100 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  // The screenshots stay for a person to look at; the browser's profile does not.
  if (screenshots !== undefined) {
    await rm(path.join(screenshots, "profile"), { recursive: true, force: true });
  }
  await e2e?.close();
}, 120_000);

/** A prepared folder with large files and a name a page must escape. */
async function preparedFolder(name: string, largeFiles: number): Promise<string> {
  const folder = path.join(e2e.home, "srv", name);
  await mkdir(path.join(folder, HOSTILE_NAME), { recursive: true });
  const data = randomBytes(LARGE_FILE_BYTES);
  for (let index = 0; index < largeFiles; index++) {
    await writeFile(path.join(folder, `data-${index}.bin`), data);
  }
  await writeFile(path.join(folder, HOSTILE_NAME, "notes.txt"), "small\n");
  if (largeFiles > 0) {
    const many = path.join(folder, "many");
    await mkdir(many);
    for (let index = 0; index < SMALL_FILES; index++) {
      await writeFile(path.join(many, `f${index}.txt`), SMALL_FILE_TEXT);
    }
  }
  expect(await e2e.run(["prepare", folder, `live test ${name}`])).toMatchObject({
    state: "done",
  });
  return folder;
}

/** `pytarchive ARGS` in the background, its output kept; resolves its exit code on `exited`. */
function startCli(args: readonly string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin/pytarchive.mjs"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PYTARCHIVE_CONFIG: e2e.configFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return startedChild(child);
}

function startedChild(child: ChildProcess) {
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, output: () => text, exited };
}

/** `pytarchive watch ID` in a pseudo-terminal (`script`), as a person at a terminal runs it. */
function watchInTerminal(jobId: string) {
  const command = [process.execPath, path.join(REPO_ROOT, "bin/pytarchive.mjs"), "watch", jobId]
    .map((part) => `'${part}'`)
    .join(" ");
  const child = spawn("script", ["-qefc", command, "/dev/null"], {
    cwd: REPO_ROOT,
    env: { ...process.env, PYTARCHIVE_CONFIG: e2e.configFile, COLUMNS: "160", LINES: "40" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return startedChild(child);
}

interface PageSample {
  readonly driveState: string | null;
  readonly driveTape: string | null;
  readonly value: number | null;
  readonly numbers: string | null;
  readonly inHistory: boolean;
}

/**
 * What the page shows of the job now: its drive, its progress bar, whether it is in history.
 * Read in one go inside the page (as text: this project's TypeScript has no DOM types), so a
 * section replaced meanwhile cannot mix two moments.
 */
function samplePage(jobId: string): Promise<PageSample> {
  const id = JSON.stringify(jobId);
  return page.evaluate(`(() => {
    const busy = [...document.querySelectorAll("#drives tr.drive")].find((row) =>
      row.querySelector('progress[data-job=' + JSON.stringify(${id}) + ']'));
    const row = document.querySelector('#queue tr[data-job=' + JSON.stringify(${id}) + ']');
    const bar = row === null ? null : row.querySelector("progress");
    return {
      driveState: busy?.querySelector(".state")?.textContent ?? null,
      driveTape: busy?.querySelector(".tape")?.textContent ?? null,
      value: bar !== null && bar.hasAttribute("value") ? bar.value : null,
      numbers: row?.querySelector(".numbers")?.textContent ?? null,
      inHistory: document.querySelector('#history tr[data-job=' + JSON.stringify(${id}) + ']') !== null,
    };
  })()`);
}

describe("live progress of an archive", () => {
  it("the page, `watch --json` and `watch` on a terminal follow the archive until it is done", async () => {
    const folder = await preparedFolder(`alpha ${HOSTILE_NAME}`, LARGE_FILES);
    const response = await page.goto(statusUrl);
    expect(response?.status()).toBe(200);
    await page.locator("#live", { hasText: /^live$/ }).waitFor({ timeout: 15_000 });
    expect(await page.locator("#banner").textContent()).toContain("SIMULATED library");

    // Every state of a progress bar the page draws, as the gateway's events arrive.
    await page.evaluate(`(() => {
      window.bars = [];
      new MutationObserver(() => {
        for (const bar of document.querySelectorAll("#queue progress[data-job][value]")) {
          const numbers = bar.parentElement.querySelector(".numbers")?.textContent ?? "";
          const last = window.bars.at(-1);
          if (last?.value !== bar.value || last?.numbers !== numbers) {
            window.bars.push({ job: bar.dataset.job, value: bar.value, numbers });
          }
        }
      }).observe(document.getElementById("queue"), { childList: true, subtree: true });
    })()`);
    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", folder, "SIM001L9"]);
    const watchJson = startCli(["watch", jobId, "--json"]);
    const watchTerminal = watchInTerminal(jobId);

    const samples: PageSample[] = [];
    let busyShot = false;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const sample = await samplePage(jobId);
      samples.push(sample);
      if (!busyShot && sample.driveState === "busy" && (sample.value ?? 0) > 0) {
        await page.screenshot({
          path: path.join(screenshots, "archive-running.png"),
          fullPage: true,
        });
        busyShot = true;
      }
      if (sample.inHistory) break;
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await page.screenshot({ path: path.join(screenshots, "archive-done.png"), fullPage: true });
    console.log(`status page screenshots: ${screenshots}`);

    // The drive was shown busy with the job's tape, under a progress bar that advanced.
    const busy = samples.filter((sample) => sample.driveState === "busy");
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((sample) => sample.driveTape === "SIM001L9")).toBe(true);
    // It advanced: a step's bar grew, or the archive went on from writing to reading back.
    const bars = (await page.evaluate("window.bars")) as {
      job: string;
      value: number;
      numbers: string;
    }[];
    const seen = bars
      .filter((bar) => bar.job === jobId)
      .map((bar) => ({
        step: STEP_ORDER.indexOf(bar.numbers.split(":")[0] ?? ""),
        value: bar.value,
      }));
    const advanced = seen.some((earlier, index) =>
      seen
        .slice(index + 1)
        .some(
          (later) =>
            later.step > earlier.step ||
            (later.step === earlier.step && later.value > earlier.value),
        ),
    );
    expect(advanced, JSON.stringify(bars)).toBe(true);
    expect(seen.every((bar) => bar.step >= 0)).toBe(true);
    const done = page.locator(`#history tr[data-job="${jobId}"]`);
    expect(await done.locator(".outcome").textContent()).toBe("done");
    // The folder's name is shown as it is, never as markup.
    expect(await done.textContent()).toContain(`alpha ${HOSTILE_NAME}`);
    expect(await page.locator("#history b").count()).toBe(0);

    // `watch --json`: one JSON line per change, numbers included, the last one done; exit 0.
    expect(await watchJson.exited).toBe(0);
    const lines = watchJson
      .output()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as QueueJob);
    expect(lines.at(-1)).toMatchObject({ id: jobId, state: "done", progressFigures: null });
    const writing = lines.filter((line) => line.progressFigures?.step === "write");
    expect(writing.length).toBeGreaterThan(0);
    const totalBytes =
      LARGE_FILES * LARGE_FILE_BYTES + "small\n".length + SMALL_FILES * SMALL_FILE_TEXT.length;
    expect(
      writing.some(
        (line) =>
          line.progressFigures?.bytesTotal === totalBytes &&
          line.progressFigures.filesTotal === LARGE_FILES + 1 + SMALL_FILES &&
          line.progressFigures.live,
      ),
      JSON.stringify(writing.map((line) => line.progressFigures)),
    ).toBe(true);
    // Rate and time left are numbers or null (not yet measured). A step here can end within a
    // second or two on a quiet machine, before the rate meter has two samples, so whether one was
    // shown is not asserted; test/unit/steps/progress-rate.test.ts measures them.
    for (const line of lines) {
      const figures = line.progressFigures;
      if (figures === null || figures === undefined) continue;
      expect(figures.bytesPerSecond === null || figures.bytesPerSecond >= 0).toBe(true);
      expect(figures.etaSeconds === null || figures.etaSeconds >= 0).toBe(true);
    }

    // On a terminal: a bar redrawn in place, then how it ended; exit 0.
    expect(await watchTerminal.exited).toBe(0);
    const drawn = watchTerminal.output();
    expect(drawn).toMatch(new RegExp(`${jobId} {2}archive {2}\\[#+-*\\] +\\d+% {2}\\d`));
    expect(drawn).toContain("\r");
    expect(drawn).toContain(`${jobId} done: Archiving folder: ${folder} to tape SIM001L9`);
  }, 300_000);

  it("a failed archive ends `watch` with exit code 3 and shows on the page with its hint and commands", async () => {
    const folder = await preparedFolder("beta", 0);
    await simulatorCli(e2e.simulator, "fault", ["--mount-failure", "0:always"]);
    await simulatorCli(e2e.simulator, "fault", ["--mount-failure", "1:always"]);
    try {
      const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", folder, "SIM002L9"]);
      const watch = startCli(["watch", jobId]);
      expect(await watch.exited).toBe(3);
      expect(watch.output()).toContain(`${jobId} failed: Archiving folder: ${folder}`);
      expect(watch.output()).toContain(`pytarchive requeue ${jobId}`);

      // Not left looking live: no rate or time left for a job that stopped.
      const queue = await e2e.cli.json<{ failed: QueueJob[] }>(["queue"]);
      const failed = queue.failed.find((job) => job.id === jobId);
      expect(failed?.progressFigures?.live ?? false).toBe(false);
      expect(failed?.progressFigures?.etaSeconds ?? null).toBeNull();

      const failure = page.locator(`#failures article[data-job="${jobId}"]`);
      await failure.waitFor({ timeout: 30_000 });
      expect(await failure.locator(".error code").first().textContent()).toMatch(/^[A-Z_]+$/);
      expect(await failure.locator(".hint").textContent()).toMatch(/^What to do: /);
      expect(await failure.locator(".fix code").allTextContents()).toContain(
        `pytarchive requeue ${jobId}`,
      );
      await page.screenshot({ path: path.join(screenshots, "archive-failed.png"), fullPage: true });
    } finally {
      await simulatorCli(e2e.simulator, "fault", ["--clear"]);
    }
  }, 240_000);

  it("`watch` without a task says nothing runs", async () => {
    const watch = startCli(["watch"]);
    expect(await watch.exited).toBe(0);
    expect(watch.output()).toBe(
      "Nothing is running. `pytarchive queue` lists the queued and failed tasks.\n",
    );
  }, 60_000);
});
