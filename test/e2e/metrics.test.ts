import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../../shared/exec/index.ts";
import { JOB_KINDS } from "../../shared/messages/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import {
  alertExpressions,
  dashboardExpressions,
  exposedMetricNames,
  metricNamesIn,
} from "../helpers/observability-files.ts";
import { type E2eStack, startE2eStack } from "./support.ts";

/*
 * /metrics of a running pytarchive as Prometheus scrapes it: promtool accepts it, an idle queue
 * reads 0 rather than "no data", an archive and a verify show up as bytes per drive, runs and
 * moves, and every metric the alerts and the Grafana dashboard use is there.
 */

let e2e: E2eStack;
let metricsUrl: string;

beforeAll(async () => {
  e2e = await startE2eStack();
  const port = /^port = (\d+)$/m.exec(await readFile(e2e.configFile, "utf8"))?.[1];
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
}, 120_000);

afterAll(async () => {
  await e2e?.close();
}, 60_000);

async function scrape(): Promise<string> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return await response.text();
}

/** Scrapes until `ready` holds for what it reads (30 s at most), as an operator would reload. */
async function scrapeUntil(ready: (exposition: string) => boolean): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = await scrape();
    if (ready(body) || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The value of one sample line, e.g. `pytarchive_jobs{state="queued",kind="archive"}`. */
function sampleValue(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Sum of every sample of `name` whose labels contain all of `labels` (`key="value"` pairs). */
function sumOf(exposition: string, name: string, labels: readonly string[] = []): number {
  return exposition
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && labels.every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

/** pytarchive's own families (blocks of HELP, TYPE and samples), without Node's process metrics. */
function ownFamilies(exposition: string): string {
  return `${exposition
    .split("\n\n")
    .filter((block) => block.startsWith("# HELP pytarchive_"))
    .join("\n\n")
    .trim()}\n`;
}

describe("/metrics of a running pytarchive", () => {
  it("passes promtool check metrics and shows an idle queue as 0 for every state and kind", async () => {
    // Each service makes its durable consumer as it starts, some after the launcher said ready.
    const body = await scrapeUntil((text) => /consumer="changer"/.test(text));
    const own = ownFamilies(body);
    expect(own.length).toBeGreaterThan(1000);
    const checked = await runCommand("promtool", ["check", "metrics"], { input: own });
    expect(`${checked.stdout}${checked.stderr}`).toBe("");
    expect(checked.exitCode).toBe(0);
    // The whole scrape too, the process metrics included.
    const whole = await runCommand("promtool", ["check", "metrics"], { input: body });
    expect(`${whole.stdout}${whole.stderr}`).toBe("");
    expect(whole.exitCode).toBe(0);
    for (const state of ["queued", "running", "failed"]) {
      for (const kind of JOB_KINDS) {
        expect(sampleValue(body, `pytarchive_jobs{state="${state}",kind="${kind}"}`)).toBe(0);
      }
    }
    expect(sampleValue(body, "pytarchive_catalog_up")).toBe(1);
    expect(sampleValue(body, "pytarchive_jetstream_up")).toBe(1);
    for (const drive of ["0", "1"]) {
      expect(sampleValue(body, `pytarchive_drive_state{drive="${drive}",state="idle"}`)).toBe(1);
    }
    expect(sampleValue(body, 'pytarchive_dead_letters{service="ltfs"}')).toBe(0);
    // Every service's durable work consumer, with its backlog.
    for (const consumer of ["scheduler", "ltfs", "compression", "verification", "notifier"]) {
      expect(body).toMatch(
        new RegExp(
          `^pytarchive_jetstream_consumer_pending_messages\\{stream="PYT_[^"]+_WORK",consumer="${consumer}"\\} 0$`,
          "m",
        ),
      );
    }
    expect(body).toMatch(
      /^pytarchive_jetstream_consumer_redelivered_messages\{stream="PYT_[^"]+_CHANGER",consumer="changer"\} 0$/m,
    );
    expect(sampleValue(body, 'pytarchive_last_success_timestamp_seconds{kind="archive"}')).toBe(0);
  });

  it("shows an archive and a verify: bytes per drive, runs, the last success, moves, tape bytes", async () => {
    const folder = path.join(e2e.home, "projects", "metrics");
    await makeSampleTree(folder, {
      largeFiles: 1,
      largeFileBytes: 2 * 1024 * 1024,
      smallFiles: 12,
    });
    const tape = (
      await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>(["tapes"])
    ).tapes.find((entry) => !entry.cleaning)?.barcode as string;
    const before = Date.now() / 1000;
    expect(await e2e.run(["prepare", folder, "metrics data"])).toMatchObject({ state: "done" });
    expect(await e2e.run(["archive", folder, tape])).toMatchObject({ state: "done" });
    expect(await e2e.run(["verify", folder])).toMatchObject({ state: "done" });

    const { rows } = await e2e.db.query<{ bytes: string; files: string }>(
      "select coalesce(sum(size_bytes), 0) as bytes, count(*) as files from files",
    );
    const onTape = { bytes: Number(rows[0]?.bytes), files: Number(rows[0]?.files) };
    expect(onTape.bytes).toBeGreaterThan(2 * 1024 * 1024);
    const body = await scrape();
    for (const operation of ["written", "read_back", "verified"]) {
      const label = `operation="${operation}"`;
      expect(sumOf(body, "pytarchive_drive_bytes_total", [label])).toBe(onTape.bytes);
      expect(sumOf(body, "pytarchive_drive_files_total", [label])).toBe(onTape.files);
    }
    expect(sumOf(body, "pytarchive_drive_bytes_total", ['operation="restored"'])).toBe(0);
    for (const kind of ["prepare", "archive", "verify"]) {
      const done = `{kind="${kind}",outcome="done"}`;
      expect(sampleValue(body, `pytarchive_job_duration_seconds_count${done}`)).toBe(1);
      expect(sampleValue(body, `pytarchive_job_duration_seconds_sum${done}`)).toBeGreaterThan(0);
      const last = sampleValue(body, `pytarchive_last_success_timestamp_seconds{kind="${kind}"}`);
      expect(last).toBeGreaterThanOrEqual(Math.floor(before) - 1);
      expect(last).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    }
    expect(
      sampleValue(body, 'pytarchive_job_duration_seconds_count{kind="archive",outcome="failed"}'),
    ).toBe(0);
    // The archive and the verify each loaded the tape and put it back.
    expect(sampleValue(body, 'pytarchive_changer_moves_total{kind="load",outcome="done"}')).toBe(2);
    expect(sampleValue(body, 'pytarchive_changer_moves_total{kind="unload",outcome="done"}')).toBe(
      2,
    );
    expect(
      sampleValue(body, `pytarchive_tape_used_bytes{barcode="${tape}"}`),
    ).toBeGreaterThanOrEqual(onTape.bytes);
    // LTFS's own capacity of the formatted tape, capped by tape_max_size (1 GiB here).
    const capacity = sampleValue(body, `pytarchive_tape_capacity_bytes{barcode="${tape}"}`);
    expect(capacity).toBeGreaterThan(onTape.bytes);
    expect(capacity).toBeLessThanOrEqual(1048576 * 1024);
    expect(sumOf(body, "pytarchive_drive_state", ['state="idle"'])).toBe(2);
  }, 300_000);

  it("exposes every metric the alert rules and the Grafana dashboard query", async () => {
    const exposed = exposedMetricNames(await scrape());
    // `up` is Prometheus's own: whether it reached the gateway at all.
    exposed.add("up");
    const used = [...alertExpressions(), ...dashboardExpressions()];
    expect(used.length).toBeGreaterThan(20);
    const missing = used.flatMap((entry) =>
      metricNamesIn(entry.expr)
        .filter((name) => !exposed.has(name))
        .map((name) => `${name} (${entry.where})`),
    );
    expect(missing).toEqual([]);
  });
});
