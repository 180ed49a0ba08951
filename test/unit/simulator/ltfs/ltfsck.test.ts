import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { realRun } from "./real-ltfs-runs.ts";
import {
  createTestLibrary,
  isRunning,
  messageIds,
  procMountsLine,
  recordedDaemonPid,
  runTool,
  type TestLibrary,
  umount,
  waitUntil,
} from "./simulated-drives.ts";

const libraries: TestLibrary[] = [];
afterEach(() => {
  for (const library of libraries.splice(0)) library.cleanup();
});

const FAST = { PYTARCHIVE_SIM_LTFS_INDEX_DELAY_MS: "0" };

async function formattedLibrary(barcode: string): Promise<TestLibrary> {
  const library = createTestLibrary({ tapes: [{ barcode }], loaded: { 0: barcode } });
  libraries.push(library);
  expect(
    (await runTool("mkltfs", ["-q", "-d", library.device(0), "-s", barcode.slice(0, 6)])).exitCode,
  ).toBe(0);
  return library;
}

async function mount(library: TestLibrary): Promise<number> {
  const run = await runTool(
    "ltfs",
    ["-o", `devname=${library.device(0)}`, library.mountPoint(0)],
    FAST,
  );
  expect(run.exitCode).toBe(0);
  expect(procMountsLine(library.mountPoint(0))).toBeDefined();
  return recordedDaemonPid(library, 0) as number;
}

async function unmountAndWait(library: TestLibrary, daemon: number): Promise<void> {
  umount(library.mountPoint(0));
  expect(await waitUntil(() => !isRunning(daemon), 20_000)).toBe(true);
}

/** Mounts, writes `files`, and kills the daemon with SIGKILL before it can write its index. */
async function crashWhileWriting(library: TestLibrary, files: Record<string, Buffer>) {
  const daemon = await mount(library);
  for (const [name, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(library.mountPoint(0), name)), { recursive: true });
    fs.writeFileSync(path.join(library.mountPoint(0), name), data);
  }
  process.kill(daemon, "SIGKILL");
  expect(await waitUntil(() => !isRunning(daemon), 10_000)).toBe(true);
  // The kernel mount outlives the daemon (unlike FUSE); clean it up as after a real crash.
  umount(library.mountPoint(0));
}

describe("simulated ltfsck", () => {
  it("reports a cleanly unmounted volume consistent with exit 1, as real ltfsck does", async () => {
    const library = await formattedLibrary("CLE001L9");
    const run = await runTool("ltfsck", [library.device(0)]);
    const real = realRun("08-ltfsck.txt", "ltfsck -e file /tmp/ltfs-tapes/TAPE030");
    expect(run.exitCode).toBe(1);
    expect(messageIds(run.stderr)).toEqual(real.ids);
    expect(run.stderr).toContain("LTFS16024I Volser (bar code) : CLE001.\n");
    expect(run.stderr).toMatch(/LTFS16022I Volume is consistent\.\n$/);
  });

  it("cannot check a blank tape (exit 4), an empty drive (exit 8) or a mounted tape (exit 8)", async () => {
    const library = createTestLibrary({
      tapes: [{ barcode: "BLK002L9" }, { barcode: "MNT002L9" }],
      loaded: { 0: "MNT002L9", 1: "BLK002L9" },
      drives: 3,
    });
    libraries.push(library);
    const blank = await runTool("ltfsck", [library.device(1)]);
    expect(blank.exitCode).toBe(4);
    expect(messageIds(blank.stderr)).toEqual(
      realRun("03-mount-unformatted.txt", "ltfsck -e file /tmp/ltfs-tapes/BLANK1").ids,
    );
    expect(blank.stderr).toContain("LTFS16080E Cannot check volume (8).\n");

    const empty = await runTool("ltfsck", [library.device(2)]);
    expect(empty.exitCode).toBe(8);
    expect(empty.stderr).toContain(`LTFS16011E Cannot open device '${library.device(2)}'.\n`);

    expect((await runTool("mkltfs", ["-q", "-d", library.device(0)])).exitCode).toBe(0);
    const daemon = await mount(library);
    const busy = await runTool("ltfsck", [library.device(0)]);
    expect(busy.exitCode).toBe(8);
    expect(busy.stderr).toContain(
      `LTFS30210I Cannot open device: failed to open ${library.device(0)} (16).\n`,
    );
    expect(busy.stderr).toContain(`LTFS16011E Cannot open device '${library.device(0)}'.\n`);
    await unmountAndWait(library, daemon);
  }, 60_000);

  it("lists the index generations with -l on stdout, newest first, exit 0", async () => {
    const library = await formattedLibrary("LST001L9");
    const daemon = await mount(library);
    fs.writeFileSync(path.join(library.mountPoint(0), "a.txt"), "a");
    await unmountAndWait(library, daemon);
    const run = await runTool("ltfsck", ["-l", library.device(0)]);
    const real = realRun("08-ltfsck.txt", "ltfsck -e file -l /tmp/ltfs-tapes/TAPE030");
    expect(run.exitCode).toBe(0);
    expect(messageIds(run.stderr)).toEqual(real.ids);
    const lines = run.stdout.split("\n");
    expect(lines.slice(0, 4)).toEqual(real.stdout.split("\n").slice(0, 4));
    expect(
      lines
        .slice(4)
        .filter((line) => /^\s+\d+: /.test(line))
        .map((line) => line.replace(/: \S+ \S+ UTC/, ": <time> UTC")),
    ).toEqual([
      "         2: <time> UTC      (0, 5)->(1, 9)",
      "         2: <time> UTC      (1, 9)->(1, 5)",
      "         1: <time> UTC      (1, 5) <<Initial Index>>",
    ]);
  }, 60_000);

  it("after a crashed daemon: ltfs refuses with LTFS11220E, ltfsck recovers (exit 1), and the unindexed files are gone", async () => {
    const library = await formattedLibrary("CRA001L9");
    const first = await mount(library);
    fs.writeFileSync(path.join(library.mountPoint(0), "kept.txt"), "indexed before the crash");
    await unmountAndWait(library, first);

    await crashWhileWriting(library, { "lost-by-crash.bin": Buffer.alloc(5_000_000, 3) });
    const refused = await runTool("ltfs", [
      "-o",
      `devname=${library.device(0)}`,
      library.mountPoint(0),
    ]);
    const realRefused = realRun(
      "08-ltfsck.txt",
      "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE030 /tmp/ltfs-mnt",
      3,
    );
    expect(refused.exitCode).toBe(1);
    expect(messageIds(refused.stderr)).toEqual(realRefused.ids);
    expect(refused.stderr).toContain(
      "LTFS11220E Medium check failed: extra blocks detected. Run ltfsck.\n",
    );
    expect(procMountsLine(library.mountPoint(0))).toBeUndefined();

    const check = await runTool("ltfsck", [library.device(0)]);
    const realCheck = realRun("08-ltfsck.txt", "ltfsck -e file /tmp/ltfs-tapes/TAPE030", 1);
    expect(check.exitCode).toBe(1);
    expect(messageIds(check.stderr)).toEqual(realCheck.ids);
    // Gen 2 at b:9; the lost 10 blocks lie at 11..20; the recovered index goes after them.
    expect(check.stderr).toContain(
      "LTFS11227I Preserve existing unreferred data blocks in the data partition, put the latest index at 21.\n",
    );
    expect(check.stderr).toContain(
      "LTFS11031I Volume mounted successfully. CRA001 : Gen = 3 / (a, 5) -> (b, 22) / SIMDRV0000.\n",
    );

    const daemon = await mount(library);
    expect(fs.readdirSync(library.mountPoint(0))).toEqual(["kept.txt"]);
    await unmountAndWait(library, daemon);
  }, 90_000);

  it("keeps the crashed session's data as raw blocks in /_ltfs_lostandfound with -f", async () => {
    const library = await formattedLibrary("LAF001L9");
    await crashWhileWriting(library, { "dir/lost.bin": Buffer.alloc(600_000, 9) });
    const check = await runTool("ltfsck", ["-f", library.device(0)]);
    expect(check.exitCode).toBe(1);
    expect(check.stderr).toContain("LTFS11223I Generating lost and found directory.\n");
    expect(check.stderr).toContain("LTFS11230I Writing index(es) to restore consistency.\n");

    const daemon = await mount(library);
    const lostAndFound = path.join(library.mountPoint(0), "_ltfs_lostandfound");
    expect(fs.readdirSync(library.mountPoint(0))).toEqual(["_ltfs_lostandfound"]);
    expect(fs.readdirSync(lostAndFound).sort()).toEqual([
      "partition1_block7_524288bytes",
      "partition1_block8_75712bytes",
    ]);
    expect(fs.readFileSync(path.join(lostAndFound, "partition1_block8_75712bytes"))).toEqual(
      Buffer.alloc(75_712, 9),
    );
    await unmountAndWait(library, daemon);
  }, 90_000);
});
