/**
 * `npm run demo`: the whole of pytarchive on one machine, on embedded defaults — its own NATS
 * server, PGlite, a fresh simulated tape library — and a sample folder taken through prepare,
 * archive, verify and restore, the restored copy compared with the source. Exits 0 when every
 * step worked and the copy is exact; 1 otherwise, saying what went wrong.
 *
 *   npm run demo                       in a new folder under /tmp, removed afterwards
 *   npm run demo -- --keep             keep that folder (state, sample, restored copy) to look at
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { makeSampleTree } from "./sample-tree.ts";
import {
  type Cli,
  createCli,
  freePort,
  type RunningStack,
  startStack,
  waitForJob,
} from "./stack.ts";
import { compareTrees, digestTree } from "./tree-digest.ts";

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { keep: { type: "boolean", default: false } },
    strict: true,
  });
  const home = await mkdtemp(path.join(tmpdir(), "pytarchive-demo-"));
  const state = path.join(home, "state");
  const configFile = path.join(home, "pytarchive.conf");
  await writeFile(
    configFile,
    [
      "# Written by npm run demo: everything embedded, in this folder.",
      "[General]",
      "exclude_folders = .cache",
      `scratch_path = ${path.join(state, "scratch")}`,
      "# The simulated tapes hold 1 GiB each.",
      "tape_max_size = 1048576",
      "[Paths]",
      `state_dir = ${state}`,
      "# Its own port, so that the demo runs beside a pytarchive already running here.",
      "[HTTP]",
      `port = ${await freePort()}`,
      "# Its log in this folder too, not in /var/log/pytarchive.log.",
      "[Logging]",
      `file = ${path.join(state, "pytarchive.log")}`,
      "",
    ].join("\n"),
  );
  const env = { PYTARCHIVE_CONFIG: configFile };
  let stack: RunningStack | null = null;
  try {
    say(`pytarchive demo in ${home}`);
    say("starting pytarchive (NATS, catalog on PGlite, simulated library, services) …");
    // The demo has no tapes: it asks for the simulated library, as `npm start -- --simulate`.
    stack = await startStack({ configFile, natsPort: await freePort(), simulate: true, env });
    const cli = createCli(env);

    const source = path.join(home, "projects", "2024", "Demo Project");
    const sample = await makeSampleTree(source);
    say(
      `sample folder ${source}: ${sample.files} files, ${(sample.bytes / 1024 / 1024).toFixed(1)} MiB, .cache excluded`,
    );
    const sourceBefore = await digestTree(source);

    await step(cli, "prepare", ["prepare", source, "Demo project, 2024"]);
    const tape = await pickTape(cli);
    await step(cli, `archive to tape ${tape}`, ["archive", source, tape]);
    await step(cli, "verify (read back from tape)", ["verify", source]);
    const restored = path.join(home, "restored");
    await step(cli, `restore to ${restored}`, ["restore", source, restored]);

    const differences = compareTrees(
      await digestTree(source, { exclude: sample.excluded }),
      await digestTree(restored),
    );
    if (differences.length > 0) {
      throw new Error(`the restored copy differs from the source:\n  ${differences.join("\n  ")}`);
    }
    say("restored copy equals the source: same paths, contents and modification times");
    const sourceChanges = compareTrees(sourceBefore, await digestTree(source), [
      "type",
      "size",
      "content",
      "mtimeUs",
      "mode",
      "ctimeNs",
    ]);
    if (sourceChanges.length > 0) {
      throw new Error(`the source folder changed:\n  ${sourceChanges.join("\n  ")}`);
    }
    say("the source folder is untouched (content, modes, times)");

    say("");
    const summary = await cli.run(["summary"]);
    process.stdout.write(summary.stdout);
    say("demo finished: prepare, archive, verify and restore all worked");
    return 0;
  } catch (error) {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    if (stack !== null) {
      process.stderr.write(
        `last lines of pytarchive's log:\n${stack.output.slice(-25).join("\n")}\n`,
      );
    }
    return 1;
  } finally {
    if (stack !== null) await stack.stop();
    if (values.keep) say(`kept ${home}`);
    else await rm(home, { recursive: true, force: true });
  }
}

/** Queues a job with the CLI, shows its progress, and throws when it fails. */
async function step(cli: Cli, title: string, args: readonly string[]): Promise<void> {
  const started = Date.now();
  const queued = await cli.json<{ jobId: string; message: string }>(args);
  say(`${title}: ${queued.message}`);
  const end = await waitForJob(cli, queued.jobId, {
    timeoutMs: 600_000,
    onProgress: (text) => say(`  … ${text}`),
  });
  if (end.state === "failed") throw new Error(`${title} failed: ${end.error}`);
  if (end.state === "aborted") throw new Error(`${title} was aborted`);
  say(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The tape `summary` suggests for the prepared folder, else the first data tape. */
async function pickTape(cli: Cli): Promise<string> {
  const summary = await cli.json<{ prepared: { suggestedTape: string | null }[] }>(["summary"]);
  const suggested = summary.prepared.find((folder) => folder.suggestedTape !== null)?.suggestedTape;
  if (suggested) return suggested;
  const tapes = await cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>(["tapes"]);
  const tape = tapes.tapes.find((candidate) => !candidate.cleaning);
  if (tape === undefined) throw new Error("the library has no data tape");
  return tape.barcode;
}

process.exitCode = await main(process.argv.slice(2));
