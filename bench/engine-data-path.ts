/**
 * Engine-level figures of the data path: archive (copy + hash), read-back verify and restore of
 * the bench's trees (trees.ts: 4 × 256 MiB, 20,000 files of 1–16 KiB, 200,000 of 1–512 bytes)
 * on a simulated tape, each run with the page cache dropped first; beside each, what the event
 * loop felt (its utilisation and the worst lag of a 10 ms timer: the services share it) and the
 * process's peak RSS during the run. `--engine-root` runs the engines of another checkout (e.g.
 * `git archive` of an older commit) on the same trees and tape, for before/after figures in one
 * run:
 *
 *   node --import tsx bench/engine-data-path.ts [--engine-root DIR]... [--rounds N]
 *        [--trees large,small,tiny] [--trees-dir DIR]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { expectExit, runCommand } from "../shared/exec/index.ts";
import { mountSimulatedTape } from "../test/integration/engine/simulated-tape.ts";
import type { TreeKey } from "./report.ts";
import { makeTree } from "./trees.ts";

const MiB = 1024 * 1024;
const { values: options } = parseArgs({
  options: {
    "engine-root": { type: "string", multiple: true, default: [] },
    rounds: { type: "string", default: "1" },
    trees: { type: "string", default: "large,small" },
    "trees-dir": { type: "string" },
  },
});
const REPOSITORY_ROOT = path.resolve(import.meta.dirname, "..");
const roots = options["engine-root"].length > 0 ? options["engine-root"] : [REPOSITORY_ROOT];

// biome-ignore lint/suspicious/noExplicitAny: engines of another checkout have their own types
type Engine = Record<string, any>;

async function loadEngines(root: string) {
  const load = (relative: string) =>
    import(pathToFileURL(path.join(root, relative)).href) as Promise<Engine>;
  return {
    ltfs: await load("services/ltfs/engine/index.ts"),
    verification: await load("services/verification/engine/index.ts"),
  };
}

async function dropCaches(): Promise<void> {
  expectExit(await runCommand("sync", []));
  try {
    fs.writeFileSync("/proc/sys/vm/drop_caches", "3");
  } catch {}
}

/**
 * Runs `work` with the caches dropped: its seconds, the event loop's utilisation, the worst lag
 * of a 10 ms timer and the peak RSS seen by that timer.
 */
async function measure(work: () => Promise<unknown>) {
  await dropCaches();
  let worstLagMs = 0;
  let peakRss = process.memoryUsage.rss();
  let expected = performance.now() + 10;
  const timer = setInterval(() => {
    const now = performance.now();
    worstLagMs = Math.max(worstLagMs, now - expected);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    expected = now + 10;
  }, 10);
  const loop = performance.eventLoopUtilization();
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return {
    seconds: (performance.now() - started) / 1000,
    loopBusy: performance.eventLoopUtilization(loop).utilization,
    worstLagMs,
    peakRssMiB: peakRss / MiB,
  };
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pytarchive-engine-bench-"));
  const treesDir = options["trees-dir"] ?? path.join(work, "trees");
  const trees = options.trees
    .split(",")
    .map((key) => makeTree(key as TreeKey, path.join(treesDir, key)));
  // Room for the bytes and, for the tiny files, the simulated tape's inodes (one per 16 KiB).
  const capacityMiB =
    Math.ceil(
      Math.max(...trees.map((tree) => Math.max(tree.bytes * 3, tree.files.length * 20 * 1024))) /
        MiB,
    ) + 2048;
  const tape = await mountSimulatedTape({ capacityMiB, barcode: "ENGBENCH", parentDir: work });
  const rows: Record<string, string | number>[] = [];
  try {
    for (let round = 1; round <= Number(options.rounds); round++) {
      for (const tree of trees) {
        for (const [index, root] of roots.entries()) {
          const engines = await loadEngines(root);
          const label = `#${index + 1} ${path.basename(root)}`;
          const onTape = path.join(tape.mountPoint, `bench-${index}-${round}`);
          const restored = path.join(work, `restored-${index}-${round}`);
          const archive = await measure(() =>
            engines.ltfs.copyFolderToTape({
              source: tree.root,
              destination: onTape,
              description: "bench",
            }),
          );
          const manifest = await engines.ltfs.readManifest(`${onTape}.manifest.json`);
          let ok = false;
          const verify = await measure(async () => {
            ok = (
              await engines.verification.verifyFolderOnTape({
                folderOnTape: onTape,
                expected: manifest.entries,
              })
            ).ok;
          });
          if (!ok) throw new Error(`the read-back of ${onTape} found mismatches`);
          const entries = await engines.verification.readStartBlocks(onTape, manifest.entries);
          const restore = await measure(() =>
            engines.ltfs.restoreFolderFromTape({ folderOnTape: onTape, target: restored, entries }),
          );
          const name = `${tree.key} (${tree.files.length} files, ${(tree.bytes / MiB).toFixed(0)} MiB)`;
          for (const [step, result] of [
            ["archive", archive],
            ["verify", verify],
            ["restore", restore],
          ] as const) {
            const row = {
              engines: label,
              tree: name,
              step,
              seconds: Number(result.seconds.toFixed(2)),
              "MB/s": Number((tree.bytes / 1e6 / result.seconds).toFixed(0)),
              "files/s": Number((tree.files.length / result.seconds).toFixed(0)),
              "loop busy %": Number((result.loopBusy * 100).toFixed(0)),
              "worst lag ms": Number(result.worstLagMs.toFixed(0)),
              "peak RSS MiB": Number(result.peakRssMiB.toFixed(0)),
            };
            rows.push(row);
            console.log(JSON.stringify(row));
          }
          fs.rmSync(restored, { recursive: true, force: true });
          fs.rmSync(onTape, { recursive: true, force: true });
          fs.rmSync(`${onTape}.manifest.json`, { force: true });
        }
      }
    }
  } finally {
    await tape.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.table(rows);
  const load = os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");
  console.log(
    `${os.cpus().length} CPUs, load average ${load}, max RSS ${process.resourceUsage().maxRSS} KiB`,
  );
}

await main();
