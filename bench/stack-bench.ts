/**
 * `npm run bench`: what users wait for. Runs the whole of pytarchive as `npm start -- --simulate`
 * does (launcher, NATS, catalog on PGlite, every service, the simulated library) and times
 * archive, verify and restore jobs from the `pytarchive` command to the job's end, each beside the
 * same work done by hand on the same kind of tape image in the same run, the page cache dropped
 * (as root) before every timed run. Prints a table with the issue's targets and writes it as JSON.
 *
 *   npm run bench [-- --quick] [--json-out FILE] [--trees-dir DIR] [--cli-runs N] [--keep]
 *                 [--processes split|each|one]
 *
 * --processes: the `[Services] processes` layout the stack runs with (default: the
 * configuration's default, split).
 * --quick: only the 20,000-file tree (and the CLI and fixed-cost measures). --trees-dir keeps the
 * generated trees there and reuses them in later runs. `npm run bench:engine` is the older bench
 * of the copy and verify engines alone.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { connectToGateway, type GatewayClient } from "../cli/client/gateway-client.ts";
import { createSimulatedLibrary } from "../infra/simulator/create-library.ts";
import {
  isProcessLayout,
  PROCESS_LAYOUTS,
  SERVICES_DEFAULTS,
  SETTINGS,
} from "../shared/config/index.ts";
import { runCommand } from "../shared/exec/index.ts";
import {
  type Cli,
  createCli,
  freePort,
  REPO_ROOT,
  type RunningStack,
  startStack,
  waitForJob,
} from "../test/harness/stack.ts";
import {
  type MountedSimulatedTape,
  mountSimulatedTape,
} from "../test/integration/engine/simulated-tape.ts";
import { copyTree, flush, secondsSince, settle, sha256sumFiles } from "./by-hand.ts";
import { sampleTreeMemory, statusBytes } from "./process-memory.ts";
import {
  BASELINES,
  type JobMeasurement,
  jobRow,
  type Metric,
  metricRow,
  percentile,
  perFileGrowth,
  renderReport,
  type TreeKey,
} from "./report.ts";
import { stepSeconds } from "./step-timings.ts";
import { type BenchTree, makeTree } from "./trees.ts";

const { values: options } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "json-out": { type: "string" },
    "trees-dir": { type: "string" },
    "cli-runs": { type: "string", default: "30" },
    keep: { type: "boolean", default: false },
    processes: { type: "string" },
  },
  strict: true,
});
if (options.processes !== undefined && !isProcessLayout(options.processes)) {
  console.error(`--processes must be one of ${PROCESS_LAYOUTS.join(", ")}.`);
  process.exit(2);
}

/** Simulated cartridges big enough (and with inodes enough) for every tree at once. */
const TAPE_MIB = 8192;
const TAPE = "SIM001L9";
const JOB_TIMEOUT_MS = 60 * 60_000;
const say = (line: string) => process.stdout.write(`${line}\n`);

interface BenchContext {
  readonly home: string;
  readonly stack: RunningStack;
  readonly cli: Cli;
  readonly gateway: GatewayClient;
  readonly byHandTape: MountedSimulatedTape;
  readonly cacheDropped: { value: boolean };
}

interface JobRun {
  readonly jobId: string;
  /** Null when the job did not end done. */
  readonly seconds: number | null;
  readonly error?: string;
  readonly steps: Record<string, number>;
  /** Milliseconds of each `queue` answer while waiting for the job. */
  readonly queueAnswersMs: number[];
  /** `queue` requests the gateway did not answer within 10 s (in queueAnswersMs as their wait). */
  readonly unanswered: number;
}

/** A `pytarchive` command that queues a job, timed from the command to the job's end. */
async function runJob(context: BenchContext, args: readonly string[]): Promise<JobRun> {
  context.cacheDropped.value = (await settle()) && context.cacheDropped.value;
  const started = performance.now();
  const { jobId } = await context.cli.json<{ jobId: string }>(args);
  const queueAnswersMs: number[] = [];
  let unanswered = 0;
  const queue = {
    // A gateway too busy to answer within the CLI's 10 s is what the latency measure is for:
    // the wait counts as a sample (at least 10 s) and the question is asked again.
    async json<T>(): Promise<T> {
      for (;;) {
        const asked = performance.now();
        try {
          const reply = await context.gateway.send("queue", {});
          queueAnswersMs.push(performance.now() - asked);
          return reply as T;
        } catch (error) {
          queueAnswersMs.push(performance.now() - asked);
          unanswered++;
          if (secondsSince(started) * 1000 > JOB_TIMEOUT_MS) throw error;
        }
      }
    },
  };
  const end = await waitForJob(queue, jobId, { pollMs: 100, timeoutMs: JOB_TIMEOUT_MS });
  const seconds = secondsSince(started);
  const steps = stepSeconds(context.stack.output, jobId);
  if (unanswered > 0) say(`  ${unanswered} \`queue\` requests not answered within 10 s`);
  if (end.state === "done") return { jobId, seconds, steps, queueAnswersMs, unanswered };
  const error = end.state === "failed" ? end.error : "aborted";
  say(`  pytarchive ${args[0]} ended ${end.state}: ${error}`);
  return { jobId, seconds: null, error, steps, queueAnswersMs, unanswered };
}

/** A by-hand run, timed after the cache was dropped. */
async function byHand(context: BenchContext, work: () => Promise<void>): Promise<number> {
  context.cacheDropped.value = (await settle()) && context.cacheDropped.value;
  const started = performance.now();
  await work();
  return secondsSince(started);
}

interface TreeResult {
  readonly measurements: JobMeasurement[];
  readonly jobs: Record<string, JobRun>;
  readonly queueAnswersMs: number[];
  readonly unanswered: number;
}

async function benchTree(
  context: BenchContext,
  tree: BenchTree,
  last: boolean,
): Promise<TreeResult> {
  const { bytes } = tree;
  const files = tree.files.length;
  const measurements: JobMeasurement[] = [];
  const jobs: Record<string, JobRun> = {};
  const add = (
    step: JobMeasurement["step"],
    run: { seconds: number | null; error?: string },
    baseline: JobMeasurement["baseline"],
  ) => {
    const measured: JobMeasurement = {
      tree: tree.key,
      step,
      seconds: run.seconds,
      ...(run.error === undefined ? {} : { error: run.error }),
      bytes,
      files,
      baseline,
    };
    measurements.push(measured);
    const ratio =
      run.seconds === null || baseline === null
        ? ""
        : ` (${baseline.name} ${baseline.seconds.toFixed(2)} s)`;
    say(`  ${step}: ${run.seconds === null ? "failed" : `${run.seconds.toFixed(2)} s`}${ratio}`);
  };

  const prepare = await runJob(context, ["prepare", tree.root, `bench ${tree.key}`]);
  jobs.prepare = prepare;
  if (prepare.seconds === null) throw new Error(`prepare of ${tree.root} failed: ${prepare.error}`);
  say(`  prepare: ${prepare.seconds.toFixed(2)} s`);

  // By hand: cp -a + sync onto a mounted tape image, unmount (the index), mount, sha256sum.
  const tape = context.byHandTape;
  const copyOnTape = path.join(tape.mountPoint, tree.key);
  let copySeconds = 0;
  const byHandSeconds = await byHand(context, async () => {
    const started = performance.now();
    await copyTree(tree.root, copyOnTape);
    await flush();
    copySeconds = secondsSince(started);
    await tape.drive.unmount();
    await tape.drive.mount();
    const digests = await sha256sumFiles(copyOnTape, tree.files);
    if (digests.size !== files) throw new Error(`sha256sum read ${digests.size} of ${files} files`);
  });
  const archive = await runJob(context, ["archive", tree.root, TAPE]);
  jobs.archive = archive;
  add("archive", archive, { name: BASELINES.copy, seconds: copySeconds });
  add("archive", archive, { name: BASELINES.byHand, seconds: byHandSeconds });
  const write = archive.steps.write;
  add(
    "archive write step",
    { seconds: archive.seconds === null ? null : (write ?? null) },
    {
      name: BASELINES.copy,
      seconds: copySeconds,
    },
  );

  const sumSeconds = await byHand(context, async () => {
    await sha256sumFiles(copyOnTape, tree.files);
  });
  if (archive.seconds !== null) {
    const verify = await runJob(context, ["verify", tree.root]);
    jobs.verify = verify;
    add("verify", verify, { name: BASELINES.sha256sum, seconds: sumSeconds });
  }

  const copiedBack = path.join(context.home, "by-hand-restores", tree.key);
  fs.mkdirSync(path.dirname(copiedBack), { recursive: true });
  const copyBackSeconds = await byHand(context, () => copyTree(copyOnTape, copiedBack));
  if (archive.seconds !== null) {
    const restored = path.join(context.home, "restores", tree.key);
    fs.mkdirSync(path.dirname(restored), { recursive: true });
    const restore = await runJob(context, ["restore", tree.root, restored]);
    jobs.restore = restore;
    add("restore", restore, { name: BASELINES.copyBack, seconds: copyBackSeconds });
    if (!last) fs.rmSync(restored, { recursive: true, force: true });
  }
  // Room for the next tree. After the last the copies go only once the results are written:
  // 200k deletions take many minutes on a disk mounted with discard, and on the tape image.
  if (!last) {
    fs.rmSync(copiedBack, { recursive: true, force: true });
    fs.rmSync(copyOnTape, { recursive: true, force: true });
  }
  return {
    measurements,
    jobs,
    queueAnswersMs: archive.queueAnswersMs,
    unanswered: archive.unanswered,
  };
}

/** GNU time, for the CPU seconds of a run: wall times mean little on a busy machine. */
const GNU_TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

interface StartTimes {
  /** Wall milliseconds of each run. */
  readonly wallMs: number[];
  /** User + system CPU milliseconds of each run (10 ms resolution); empty without GNU time. */
  readonly cpuMs: number[];
}

/** `pytarchive queue` over `runs` runs against the idle stack, and Node's own start beside it. */
async function measureCliStart(
  env: NodeJS.ProcessEnv,
  runs: number,
): Promise<{ queue: StartTimes; node: StartTimes }> {
  const time = async (args: string[], into: StartTimes) => {
    const result =
      GNU_TIME === null
        ? await runCommand(process.execPath, args, { env, cwd: REPO_ROOT })
        : await runCommand(GNU_TIME, ["-f", "cpu %U %S", process.execPath, ...args], {
            env,
            cwd: REPO_ROOT,
          });
    if (result.exitCode !== 0) throw new Error(`node ${args.join(" ")}: ${result.stderr}`);
    into.wallMs.push(result.durationMs);
    const cpu = /cpu (\S+) (\S+)\s*$/.exec(result.stderr);
    if (cpu !== null) into.cpuMs.push((Number(cpu[1]) + Number(cpu[2])) * 1000);
  };
  const cliEntry = path.join(REPO_ROOT, "bin/pytarchive.mjs");
  // Builds the CLI's bundle if it is stale, as the first run after a change does.
  await time([cliEntry, "queue"], { wallMs: [], cpuMs: [] });
  const queue: StartTimes = { wallMs: [], cpuMs: [] };
  const node: StartTimes = { wallMs: [], cpuMs: [] };
  for (let run = 0; run < runs; run++) {
    await time([cliEntry, "queue"], queue);
    if (run % 3 === 0) await time(["-e", "0"], node);
  }
  return { queue, node };
}

/** Archives one small file twice to a fresh tape: the first formats it, the second is the fixed cost. */
async function measureFixedCost(context: BenchContext, treesDir: string) {
  const seconds: number[] = [];
  for (const name of ["one-file-a", "one-file-b"]) {
    const folder = path.join(treesDir, name);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "note.txt"), `bench ${name}\n`);
    const prepared = await runJob(context, ["prepare", folder, `bench ${name}`]);
    if (prepared.seconds === null) throw new Error(`prepare of ${folder}: ${prepared.error}`);
    const archived = await runJob(context, ["archive", folder, TAPE]);
    if (archived.seconds === null) throw new Error(`archive of ${folder}: ${archived.error}`);
    seconds.push(archived.seconds);
  }
  return { withFormat: seconds[0] as number, formatted: seconds[1] as number };
}

function gitCommit(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

/** The gateway's `queue` answer time p99 while the named tree's archive ran. */
function gatewayQueueMetric(
  tree: string,
  answers: { ms: number[]; unanswered: number } | undefined,
): Metric {
  const ms = answers?.ms ?? [];
  return {
    name: `gateway \`queue\` p99 during the ${tree} archive (${options.processes ?? SERVICES_DEFAULTS.processes})`,
    value: percentile(ms, 99),
    unit: "ms",
    target: { kind: "below", limit: 50 },
    note: `${ms.length} requests, ${answers?.unanswered ?? 0} not answered within 10 s, p50 ${percentile(ms, 50)?.toFixed(1)} ms`,
  };
}

async function main(): Promise<number> {
  const started = performance.now();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "pytarchive-bench-"));
  const treesDir = path.resolve(options["trees-dir"] ?? path.join(home, "projects"));
  const jsonOut = path.resolve(
    options["json-out"] ?? path.join(REPO_ROOT, "bench", "results", "latest.json"),
  );
  const state = path.join(home, "state");
  const keys: TreeKey[] = options.quick ? ["small"] : ["large", "small", "tiny"];
  say(`pytarchive bench in ${home} (trees in ${treesDir}), commit ${gitCommit() ?? "?"}`);

  // The library `npm start -- --simulate` would create, with cartridges big enough for the trees.
  await createSimulatedLibrary({ stateDir: path.join(state, "sim"), capacityMiB: TAPE_MIB });
  const configFile = path.join(home, "pytarchive.conf");
  fs.writeFileSync(
    configFile,
    [
      "[General]",
      `scratch_path = ${path.join(state, "scratch")}`,
      `tape_max_size = ${TAPE_MIB * 1024}`,
      "[Paths]",
      `state_dir = ${state}`,
      // Into the state folder, not /var/log (older versions have no [Logging]: stderr only).
      ...(SETTINGS.some((setting) => setting.section === "Logging")
        ? ["[Logging]", `file = ${path.join(state, "pytarchive.log")}`]
        : []),
      "[HTTP]",
      `port = ${await freePort()}`,
      ...(options.processes === undefined
        ? []
        : ["[Services]", `processes = ${options.processes}`]),
      "",
    ].join("\n"),
  );
  const env = { ...process.env, PYTARCHIVE_CONFIG: configFile };
  let stack: RunningStack | null = null;
  let gateway: GatewayClient | null = null;
  let byHandTape: MountedSimulatedTape | null = null;
  try {
    const trees = keys.map((key) => {
      const generated = performance.now();
      const tree = makeTree(key, path.join(treesDir, key));
      say(
        `tree ${key}: ${tree.files.length} files, ${(tree.bytes / 1e6).toFixed(0)} MB (${secondsSince(generated).toFixed(1)} s to make or find)`,
      );
      return tree;
    });
    stack = await startStack({ configFile, natsPort: await freePort(), simulate: true, env });
    gateway = await connectToGateway({ env });
    byHandTape = await mountSimulatedTape({
      capacityMiB: TAPE_MIB,
      barcode: "HAND01L9",
      parentDir: home,
    });
    const context: BenchContext = {
      home,
      stack,
      cli: createCli(env),
      gateway,
      byHandTape,
      cacheDropped: { value: true },
    };

    say(`CLI start: ${options["cli-runs"]} runs of \`pytarchive queue\` …`);
    const cliStart = await measureCliStart(env, Number(options["cli-runs"]));
    say("fixed cost: two one-file archives (the first formats the tape) …");
    const fixedCost = await measureFixedCost(context, treesDir);

    const measurements: JobMeasurement[] = [];
    const jobs: Record<string, Record<string, JobRun>> = {};
    // The gateway's `queue` answers while each tree's archive ran (the bench asks every 100 ms).
    const queueAnswers: Partial<Record<TreeKey, { ms: number[]; unanswered: number }>> = {};
    let peakTreeRss: number | null = null;
    for (const tree of trees) {
      say(`\n${tree.key}: ${tree.files.length} files`);
      const memory = tree.key === "tiny" ? sampleTreeMemory(stack.process.pid as number) : null;
      let result: TreeResult;
      try {
        result = await benchTree(context, tree, tree === trees.at(-1));
      } finally {
        // Its timer would keep the bench from exiting after a failure.
        if (memory !== null) peakTreeRss = memory.stop();
      }
      measurements.push(...result.measurements);
      jobs[tree.key] = result.jobs;
      queueAnswers[tree.key] = { ms: result.queueAnswersMs, unanswered: result.unanswered };
    }

    const launcherPeak = statusBytes(stack.process.pid as number, "VmHWM");
    const metrics: Metric[] = [
      {
        name: "CLI `queue` p50",
        value: percentile(cliStart.queue.wallMs, 50),
        unit: "ms",
        target: { kind: "below", limit: 100 },
        note: `node -e 0: ${percentile(cliStart.node.wallMs, 50)} ms`,
      },
      {
        name: "CLI `queue` CPU p50",
        value: percentile(cliStart.queue.cpuMs, 50),
        unit: "ms",
        target: null,
        note: `node -e 0: ${percentile(cliStart.node.cpuMs, 50)} ms`,
      },
      {
        name: "archive of 1 file, tape formatted",
        value: fixedCost.formatted,
        unit: "s",
        target: { kind: "below", limit: 2 },
        note: `${fixedCost.withFormat.toFixed(2)} s with the format`,
      },
    ];
    if (!options.quick) {
      for (const step of ["archive", "verify", "restore"] as const) {
        metrics.push({
          name: `per-file time 200k / 20k, ${step}`,
          value: perFileGrowth(measurements, step),
          unit: "×",
          target: { kind: "below", limit: 1.3 },
        });
      }
      metrics.push(gatewayQueueMetric("200k", queueAnswers.tiny), {
        name: "peak RSS, launcher + children, 200k runs",
        value: peakTreeRss === null ? null : peakTreeRss / 1e6,
        unit: "MB",
        target: { kind: "below", limit: 600 },
        note: `sampled every 250 ms; launcher VmHWM over the run ${(launcherPeak / 1e6).toFixed(0)} MB`,
      });
    }
    // Issue 12's bar: the gateway stays quick while a 20k-file archive runs (also with --quick).
    metrics.push(gatewayQueueMetric("20k", queueAnswers.small));
    const jobRows = measurements.map(jobRow);
    const metricRows = metrics.map(metricRow);
    const machine = {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      loadAverageAtEnd: os.loadavg(),
      pageCacheDropped: context.cacheDropped.value,
    };
    say(`\n${renderReport(jobRows, metricRows)}`);
    say(
      `${machine.cpus} CPUs, load average ${machine.loadAverageAtEnd.map((v) => v.toFixed(1)).join(" ")}; page cache ${machine.pageCacheDropped ? "dropped before every timed run" : "NOT dropped (not root)"}; total ${secondsSince(started).toFixed(0)} s.`,
    );
    fs.mkdirSync(path.dirname(jsonOut), { recursive: true });
    fs.writeFileSync(
      jsonOut,
      `${JSON.stringify(
        {
          commit: gitCommit(),
          finishedAt: new Date().toISOString(),
          quick: options.quick,
          machine,
          jobs: jobRows,
          metrics: metricRows,
          stepSeconds: Object.fromEntries(
            Object.entries(jobs).map(([tree, byKind]) => [
              tree,
              Object.fromEntries(Object.entries(byKind).map(([kind, run]) => [kind, run.steps])),
            ]),
          ),
          cliStartMs: cliStart,
          fixedCostSeconds: fixedCost,
          totalSeconds: secondsSince(started),
        },
        null,
        2,
      )}\n`,
    );
    say(`written to ${jsonOut}`);
    return 0;
  } catch (error) {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    if (stack !== null) process.stderr.write(`${stack.output.slice(-20).join("\n")}\n`);
    return 1;
  } finally {
    await gateway?.close();
    if (stack !== null) await stack.stop();
    await byHandTape?.dispose();
    if (options.keep) say(`kept ${home}`);
    else fs.rmSync(home, { recursive: true, force: true });
  }
}

process.exitCode = await main();
