import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { waitForJob } from "../harness/stack.ts";
import { type E2eStack, simulatorCli, startE2eStack } from "./support.ts";

/*
 * Finding 8 (and the room part of 7) through the CLI on the simulated library, whose tapes hold
 * 1 GiB: capacities are the tapes' own (before and after formatting), capped by tape_max_size;
 * room is counted by apparent size (LTFS stores sparse files in full); a copy that ran out of
 * space leaves the tape's used space recorded; a failed archive reserves no room.
 */

const GiB_KiB = 1024 * 1024;
const MiB_KiB = 1024;

interface TapeLine {
  barcode: string;
  cleaning: boolean;
  state: string;
  usedKiB: number;
  capacityKiB: number;
}

interface SummaryReply {
  prepared: { path: string; suggestedTape: string | null }[];
}

let e2e: E2eStack;
let projects: string;

beforeAll(async () => {
  e2e = await startE2eStack();
  projects = path.join(e2e.home, "srv", "projects");
  await mkdir(projects, { recursive: true });
}, 120_000);

afterAll(async () => {
  await e2e?.close();
}, 120_000);

/** Changes `[General] tape_max_size` and starts pytarchive again, as an admin would. */
async function setTapeMaxSize(kib: number): Promise<void> {
  const text = await readFile(e2e.configFile, "utf8");
  const changed = text.replace(/^tape_max_size = \d+$/m, `tape_max_size = ${kib}`);
  expect(changed).not.toBe(text);
  await writeFile(e2e.configFile, changed);
  await e2e.restart();
}

async function dataTapes(): Promise<TapeLine[]> {
  const { tapes } = await e2e.cli.json<{ tapes: TapeLine[] }>(["tapes"]);
  return tapes.filter((tape) => !tape.cleaning);
}

async function tapeLine(barcode: string): Promise<TapeLine> {
  const found = (await dataTapes()).find((tape) => tape.barcode === barcode);
  if (found === undefined) throw new Error(`tape ${barcode} is not listed`);
  return found;
}

async function suggestionFor(folder: string): Promise<string | null | undefined> {
  const summary = await e2e.cli.json<SummaryReply>(["summary"]);
  return summary.prepared.find((entry) => entry.path === folder)?.suggestedTape;
}

/** A folder holding one sparse file of `size` (as `truncate -s`): `du` sees next to nothing. */
async function sparseFolder(name: string, size: string): Promise<string> {
  const folder = path.join(projects, name);
  await makeSampleTree(folder, { largeFiles: 0, smallFiles: 2 });
  await expectExit(await runCommand("truncate", ["-s", size, path.join(folder, "image.raw")]));
  return folder;
}

describe("tape capacity and room on the simulated library (1 GiB tapes)", () => {
  let tapes: string[];

  it("shows each blank tape's own ~1 GiB, not a big tape_max_size, and never suggests a tape too small", async () => {
    await setTapeMaxSize(16 * 1024 * GiB_KiB);
    const listed = await dataTapes();
    tapes = listed.map((tape) => tape.barcode);
    expect(listed.length).toBeGreaterThanOrEqual(4);
    for (const tape of listed) {
      expect(tape.state, tape.barcode).toBe("blank");
      expect(tape.capacityKiB, tape.barcode).toBeGreaterThan(900 * MiB_KiB);
      expect(tape.capacityKiB, tape.barcode).toBeLessThanOrEqual(GiB_KiB);
    }

    // 1.5 GB apparent, a few KiB allocated: it fits on none of them.
    const sparse = await sparseFolder("Sparse Images", "1500M");
    expect(await e2e.run(["prepare", sparse, "a sparse disk image"])).toMatchObject({
      state: "done",
    });
    const { rows } = await e2e.db.query<{ size_kib: string; apparent_bytes: string }>(
      "select size_kib, apparent_bytes from folders where path = $1",
      [sparse],
    );
    // prepare still shows du's KiB, and records the apparent size beside it.
    expect(Number(rows[0]?.size_kib)).toBeLessThan(1024);
    expect(Number(rows[0]?.apparent_bytes)).toBeGreaterThan(1500 * 1024 * 1024);
    expect(await suggestionFor(sparse)).toBeNull();

    // Refused before anything is written: the hint says it fits nowhere.
    const queueBefore = await e2e.cli.json<unknown>(["queue"]);
    const refused = await e2e.cli.run(["archive", sparse, tapes[0] as string]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/does not fit on tape/i);
    expect(refused.stderr).toMatch(/fits on no tape/i);
    expect(await e2e.cli.json<unknown>(["queue"])).toEqual(queueBefore);
    expect((await tapeLine(tapes[0] as string)).state).toBe("blank");

    // A small folder is suggested a tape, and archiving it there works.
    const small = path.join(projects, "Small");
    await makeSampleTree(small, { largeFiles: 1, largeFileBytes: 2 * 1024 * 1024, smallFiles: 5 });
    expect(await e2e.run(["prepare", small, "a small folder"])).toMatchObject({ state: "done" });
    const suggested = await suggestionFor(small);
    expect(tapes).toContain(suggested);
    expect(await e2e.run(["archive", small, suggested as string])).toMatchObject({
      state: "done",
    });
    const formatted = await tapeLine(suggested as string);
    expect(formatted.state).toBe("formatted");
    expect(formatted.capacityKiB).toBeGreaterThan(900 * MiB_KiB);
    expect(formatted.capacityKiB).toBeLessThanOrEqual(GiB_KiB);
    expect(formatted.usedKiB).toBeGreaterThan(2 * MiB_KiB);
  }, 300_000);

  it("records what a copy that ran out of space left on the tape", async () => {
    // Prepared small, then grown past the tape before it is archived: the copy runs out of room.
    const growing = path.join(projects, "Growing");
    await makeSampleTree(growing, { largeFiles: 0, smallFiles: 3 });
    expect(await e2e.run(["prepare", growing, "grows after prepare"])).toMatchObject({
      state: "done",
    });
    await expectExit(
      await runCommand("dd", [
        "if=/dev/urandom",
        `of=${path.join(growing, "late.bin")}`,
        "bs=1M",
        "count=1100",
        "status=none",
      ]),
    );
    const blank = (await dataTapes()).find((tape) => tape.state === "blank");
    if (blank === undefined) throw new Error("no blank tape left");
    const archived = await e2e.run(["archive", growing, blank.barcode], 600_000);
    expect(archived.state).toBe("failed");
    expect(archived.state === "failed" ? archived.error : "").toMatch(/full|space|room/i);
    // Hundreds of MiB went to tape before it was full: the tape says so, not 0 KiB.
    const after = await tapeLine(blank.barcode);
    expect(after.usedKiB).toBeGreaterThan(800 * MiB_KiB);
    expect(after.usedKiB).toBeLessThanOrEqual(after.capacityKiB);
    await rename(path.join(growing, "late.bin"), path.join(e2e.home, "late.bin"));
  }, 900_000);

  it("keeps tape_max_size a cap after formatting, and a failed archive releases its room", async () => {
    await setTapeMaxSize(100 * MiB_KiB);
    const formatted = (await dataTapes()).filter((tape) => tape.state !== "blank");
    expect(formatted.length).toBeGreaterThan(0);
    for (const tape of await dataTapes()) {
      expect(tape.capacityKiB, tape.barcode).toBe(100 * MiB_KiB);
    }

    const blank = (await dataTapes()).find((tape) => tape.state === "blank");
    if (blank === undefined) throw new Error("no blank tape left");
    const first = await sparseFolder("First Sixty", "60M");
    const second = await sparseFolder("Second Sixty", "60M");
    for (const folder of [first, second]) {
      expect(await e2e.run(["prepare", folder, "60 MiB apparent"])).toMatchObject({
        state: "done",
      });
    }
    // The first archive fails: no drive can mount the tape.
    for (const drive of ["0", "1"]) {
      await simulatorCli(e2e.simulator, "fault", ["--mount-failure", `${drive}:always`]);
    }
    const failed = await e2e.run(["archive", first, blank.barcode], 300_000);
    expect(failed.state).toBe("failed");
    await simulatorCli(e2e.simulator, "fault", ["--clear"]);

    // 60 + 60 MiB would not fit in 100, but the failed job holds no room any more.
    const queued = await e2e.cli.run(["archive", second, blank.barcode, "--json"]);
    expect(queued.stderr).toBe("");
    expect(queued.exitCode).toBe(0);
    const { jobId } = JSON.parse(queued.stdout) as { jobId: string };
    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 300_000 })).toEqual({ state: "done" });
  }, 600_000);
});
