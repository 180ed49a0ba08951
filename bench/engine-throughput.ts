/**
 * `npm run bench:engine`: pytarchive's archive and read-back verify against `cp -a` and `sha256sum`,
 * on the same generated trees, the same simulated tape (mounted as the product mounts it) and
 * the same machine, one contender after the other with the page cache dropped before each.
 *
 *   node --import tsx bench/engine-throughput.ts [--rounds N] [--large-count N] [--large-mib N]
 *                                                 [--small-count N] [--keep]
 *
 * Targets from the issue: archive ≥ 0.9 × cp -a, verify ≥ 0.9 × sha256sum.
 */
import { randomFillSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { copyFolderToTape } from "../services/ltfs/engine/index.ts";
import { verifyFolderOnTape } from "../services/verification/engine/index.ts";
import { type CommandResult, expectExit, runCommand } from "../shared/exec/index.ts";
import { mountSimulatedTape } from "../test/integration/engine/simulated-tape.ts";

const MiB = 1024 * 1024;
const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "2" },
    "large-count": { type: "string", default: "4" },
    "large-mib": { type: "string", default: "256" },
    "small-count": { type: "string", default: "20000" },
    keep: { type: "boolean", default: false },
  },
});
const rounds = Number(options.rounds);
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

interface Tree {
  readonly name: string;
  readonly root: string;
  readonly files: readonly string[];
  readonly bytes: number;
}

interface Measurement {
  readonly seconds: number;
  /** Until the data is flushed (`sync` after the run): what a tape, which cannot cache, sees. */
  readonly flushedSeconds: number;
  /** User + system CPU seconds of the contender's own processes (null when unknown). */
  readonly cpuSeconds: number | null;
}

const CONTENDERS = [
  "cp -a",
  "cp -a, then sha256sum",
  "pytarchive archive",
  "sha256sum of the copy",
  "pytarchive verify",
] as const;
type Contender = (typeof CONTENDERS)[number];

let cacheNote = "page cache dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every run";

/** Same cache state for every contender: nothing of the trees or the tape in memory. */
async function dropCaches(): Promise<void> {
  expectExit(await runCommand("sync", []));
  try {
    fs.writeFileSync("/proc/sys/vm/drop_caches", "3");
  } catch (error) {
    cacheNote = `page cache NOT dropped (${(error as NodeJS.ErrnoException).code}): runs after the first may read from memory`;
  }
}

/** Fast incompressible data: one random pool, each file cut from it at its own offset. */
function makePool(bytes: number): Buffer {
  return randomFillSync(Buffer.allocUnsafe(bytes));
}

function generateLarge(root: string, count: number, sizeMiB: number): Tree {
  const pool = makePool(8 * MiB);
  const files: string[] = [];
  for (let index = 0; index < count; index++) {
    const relative = `large-${index + 1}.bin`;
    const fd = fs.openSync(path.join(root, relative), "w");
    for (let written = 0; written < sizeMiB * MiB; written += pool.length) {
      pool.writeUInt32LE(index * 1_000_003 + written / pool.length, 0);
      fs.writeSync(fd, pool, 0, Math.min(pool.length, sizeMiB * MiB - written));
    }
    fs.closeSync(fd);
    files.push(relative);
  }
  return { name: `${count} × ${sizeMiB} MiB`, root, files, bytes: count * sizeMiB * MiB };
}

function generateSmall(root: string, count: number): Tree {
  const pool = makePool(64 * MiB);
  const files: string[] = [];
  let bytes = 0;
  for (let index = 0; index < count; index++) {
    const folder = `d${String(index % 100).padStart(3, "0")}`;
    if (index < 100) fs.mkdirSync(path.join(root, folder));
    const size = 4096 + ((index * 2_654_435_761) % (12 * 1024 + 1));
    const offset = (index * 7919 * 64) % (pool.length - size);
    const relative = `${folder}/f${String(index).padStart(5, "0")}.dat`;
    fs.writeFileSync(path.join(root, relative), pool.subarray(offset, offset + size));
    files.push(relative);
    bytes += size;
  }
  return { name: `${count} × 4-16 KiB`, root, files, bytes };
}

/** Runs a command under /usr/bin/time to learn its CPU time. */
async function timedCommand(command: string, args: string[], cwd?: string) {
  if (!TIME) {
    const result = expectExit(await runCommand(command, args, { cwd, timeoutMs: 30 * 60_000 }));
    return { result, cpuSeconds: null };
  }
  const result = expectExit(
    await runCommand(TIME, ["-f", "pytarchive-bench-cpu %U %S", command, ...args], {
      cwd,
      timeoutMs: 30 * 60_000,
    }),
  );
  const line = result.stderr.split("\n").find((text) => text.startsWith("pytarchive-bench-cpu"));
  const [, user, system] = line?.split(" ") ?? [];
  return { result, cpuSeconds: Number(user) + Number(system) };
}

/** sha256sum over every file, in batches the way xargs would run it (about 100 KB of names). */
async function sha256sumAll(root: string, files: readonly string[]) {
  let cpuSeconds: number | null = 0;
  const sums = new Map<string, string>();
  for (let start = 0; start < files.length; ) {
    const batch: string[] = [];
    let length = 0;
    while (start < files.length && length < 100_000) {
      const file = files[start++] as string;
      batch.push(file);
      length += file.length + 1;
    }
    const { result, cpuSeconds: cpu } = await timedCommand("sha256sum", ["--", ...batch], root);
    cpuSeconds = cpu === null || cpuSeconds === null ? null : cpuSeconds + cpu;
    collectSums(result, sums);
  }
  return { cpuSeconds, sums };
}

function collectSums(result: CommandResult, sums: Map<string, string>) {
  for (const line of result.stdout.split("\n")) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match) sums.set(match[2] as string, match[1] as string);
  }
}

async function measure(run: () => Promise<number | null>): Promise<Measurement> {
  await dropCaches();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const childCpu = await run();
  const seconds = (performance.now() - started) / 1000;
  const own = process.cpuUsage(cpuBefore);
  expectExit(await runCommand("sync", []));
  const flushedSeconds = (performance.now() - started) / 1000;
  // Our own runs report null: their CPU is this process's (all threads).
  const cpuSeconds = childCpu === null ? (own.user + own.system) / 1e6 : childCpu;
  return { seconds, flushedSeconds, cpuSeconds };
}

function removeOutput(target: string) {
  fs.rmSync(target, { recursive: true, force: true });
  fs.rmSync(`${target}.manifest.json`, { force: true });
}

async function benchTree(tree: Tree, mountPoint: string) {
  const results = new Map<Contender, Measurement[]>(CONTENDERS.map((name) => [name, []]));
  const record = (name: Contender, measurement: Measurement) => {
    results.get(name)?.push(measurement);
    const cpu =
      measurement.cpuSeconds === null ? "" : `, CPU ${measurement.cpuSeconds.toFixed(2)} s`;
    console.log(
      `  ${tree.name}: ${name.padEnd(22)} ${measurement.seconds.toFixed(2)} s (flushed ${measurement.flushedSeconds.toFixed(2)} s)${cpu}`,
    );
  };

  for (let round = 1; round <= rounds; round++) {
    // Alternate who goes first, so that neither always meets the machine in the same mood.
    const copyOrder = round % 2 === 1 ? ["cp", "ours"] : ["ours", "cp"];
    let oursOnTape = "";
    for (const which of copyOrder) {
      if (which === "cp") {
        const target = path.join(mountPoint, `cp-a-${round}`);
        record(
          "cp -a",
          await measure(
            async () => (await timedCommand("cp", ["-a", tree.root, target])).cpuSeconds,
          ),
        );
        removeOutput(target);
      } else {
        oursOnTape = path.join(mountPoint, `pytarchive-${round}`);
        const destination = oursOnTape;
        record(
          "pytarchive archive",
          await measure(async () => {
            await copyFolderToTape({ source: tree.root, destination, description: "bench" });
            return null;
          }),
        );
      }
    }
    if (round === 1) {
      const target = path.join(mountPoint, "naive");
      record(
        "cp -a, then sha256sum",
        await measure(async () => {
          const copy = await timedCommand("cp", ["-a", tree.root, target]);
          const sums = await sha256sumAll(tree.root, tree.files);
          return copy.cpuSeconds === null || sums.cpuSeconds === null
            ? null
            : copy.cpuSeconds + sums.cpuSeconds;
        }),
      );
      removeOutput(target);
    }

    const manifest = JSON.parse(fs.readFileSync(`${oursOnTape}.manifest.json`, "utf8")) as {
      entries: {
        path: string;
        type: "file" | "directory" | "symlink";
        size: number;
        sha256: string | null;
      }[];
    };
    const readOrder = round % 2 === 1 ? ["sha256sum", "verify"] : ["verify", "sha256sum"];
    for (const which of readOrder) {
      if (which === "sha256sum") {
        let sums = new Map<string, string>();
        record(
          "sha256sum of the copy",
          await measure(async () => {
            const summed = await sha256sumAll(oursOnTape, tree.files);
            sums = summed.sums;
            return summed.cpuSeconds;
          }),
        );
        // The two tools must agree on every file, or one of them is wrong.
        const disagreeing = manifest.entries.filter(
          (entry) => entry.type === "file" && sums.get(entry.path) !== entry.sha256,
        );
        if (disagreeing.length > 0) {
          throw new Error(`sha256sum disagrees with the manifest on ${disagreeing[0]?.path}`);
        }
      } else {
        let ok = false;
        record(
          "pytarchive verify",
          await measure(async () => {
            ok = (
              await verifyFolderOnTape({ folderOnTape: oursOnTape, expected: manifest.entries })
            ).ok;
            return null;
          }),
        );
        if (!ok) throw new Error(`verification of ${oursOnTape} found mismatches`);
      }
    }
    removeOutput(oursOnTape);
  }
  return results;
}

function best(measurements: readonly Measurement[], flushed = false): Measurement {
  const time = (m: Measurement) => (flushed ? m.flushedSeconds : m.seconds);
  return measurements.reduce((a, b) => (time(b) < time(a) ? b : a));
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pytarchive-bench-"));
  const started = performance.now();
  const largeRoot = path.join(work, "large");
  const smallRoot = path.join(work, "small");
  fs.mkdirSync(largeRoot);
  fs.mkdirSync(smallRoot);
  console.log(`Generating trees in ${work} …`);
  const trees = [
    generateLarge(largeRoot, Number(options["large-count"]), Number(options["large-mib"])),
    generateSmall(smallRoot, Number(options["small-count"])),
  ];
  const capacityMiB = Math.ceil((Math.max(...trees.map((tree) => tree.bytes)) * 2.5) / MiB) + 512;
  const tape = await mountSimulatedTape({ capacityMiB, barcode: "BENCH1L9", parentDir: work });
  const table: string[][] = [];
  const ratios: string[] = [];
  try {
    for (const tree of trees) {
      console.log(
        `\n${tree.name} (${(tree.bytes / MiB).toFixed(0)} MiB, ${tree.files.length} files):`,
      );
      const results = await benchTree(tree, tape.mountPoint);
      const throughput = (name: Contender, flushed = false) => {
        const measurements = results.get(name) ?? [];
        if (measurements.length === 0) return null;
        const fastest = best(measurements, flushed);
        return tree.bytes / MiB / (flushed ? fastest.flushedSeconds : fastest.seconds);
      };
      for (const name of CONTENDERS) {
        const measurements = results.get(name) ?? [];
        if (measurements.length === 0) continue;
        const fastest = best(measurements);
        table.push([
          tree.name,
          name,
          (throughput(name) as number).toFixed(0),
          (throughput(name, true) as number).toFixed(0),
          measurements.map((m) => m.seconds.toFixed(2)).join(" / "),
          fastest.cpuSeconds === null ? "?" : fastest.cpuSeconds.toFixed(2),
        ]);
      }
      const archive = (throughput("pytarchive archive") ?? 0) / (throughput("cp -a") ?? 1);
      const archiveFlushed =
        (throughput("pytarchive archive", true) ?? 0) / (throughput("cp -a", true) ?? 1);
      const naive =
        (throughput("pytarchive archive") ?? 0) / (throughput("cp -a, then sha256sum") ?? 1);
      const verify =
        (throughput("pytarchive verify") ?? 0) / (throughput("sha256sum of the copy") ?? 1);
      ratios.push(
        `${tree.name}: archive / cp -a = ${archive.toFixed(2)} (target ≥ 0.9; ${archiveFlushed.toFixed(2)} flushed), ` +
          `archive / (cp -a, then sha256sum) = ${naive.toFixed(2)}, ` +
          `verify / sha256sum = ${verify.toFixed(2)} (target ≥ 0.9)`,
      );
    }
  } finally {
    await tape.dispose();
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
  }

  const header = [
    "tree",
    "contender",
    "MiB/s",
    "MiB/s flushed",
    "wall s (each run)",
    "CPU s (best run)",
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column] as number)).join("  ");
  console.log(`\n${line(header)}\n${widths.map((width) => "-".repeat(width)).join("  ")}`);
  for (const row of table) console.log(line(row));
  console.log(`\n${ratios.join("\n")}`);
  const load = os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");
  console.log(
    `\n${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${load}; ${rounds} round(s), best run counted; ${cacheNote}.`,
  );
  console.log(
    "MiB/s: the run ends when the last write returns; MiB/s flushed: it ends after `sync` has written the data out (a tape cannot cache). Best of the rounds each.",
  );
  console.log(`Total ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

await main();
