import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CopyProgress, copyFolderToTape } from "../../../services/ltfs/engine/index.ts";
import { verifyFolderOnTape } from "../../../services/verification/engine/index.ts";
import { createFilePool } from "../../../shared/data-path/index.ts";
import { writeRandomFile } from "./tree-snapshot.ts";

/*
 * The data path runs in worker threads: the event loop that the services share only directs
 * the copy. These tests use their own pools, so that what the workers did can be counted.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-engine-workers-"));
const pool = createFilePool({ size: 2 });
const SMALL_FILES = 1000;
let manySmall: string;
let tapes = 0;

function newTape(): string {
  tapes += 1;
  const tape = path.join(root, `tape-${tapes}`);
  fs.mkdirSync(tape);
  return path.join(tape, "project");
}

/** Paths of this process's open file descriptors that lie below `folder`. */
function openFilesBelow(folder: string): string[] {
  return fs
    .readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return fs.readlinkSync(path.join("/proc/self/fd", fd));
      } catch {
        return "";
      }
    })
    .filter((target) => target.startsWith(`${folder}/`));
}

beforeAll(() => {
  manySmall = path.join(root, "many-small");
  for (let index = 0; index < SMALL_FILES; index++) {
    writeRandomFile(path.join(manySmall, `d${index % 20}`, `f${index}.txt`), 1000 + index * 7);
  }
});

afterAll(async () => {
  await pool.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the data path in worker threads", () => {
  it("copies many small files with the event loop mostly idle: workers read, hash and write them", async () => {
    const before = { ...pool.tasksRun };
    const loop = performance.eventLoopUtilization();
    const result = await copyFolderToTape({
      source: manySmall,
      destination: newTape(),
      description: "",
      pool,
    });
    // On the event loop (hashing there, synchronous small writes) this was 0.8–0.9.
    expect(performance.eventLoopUtilization(loop).utilization).toBeLessThan(0.5);
    expect(result.files).toHaveLength(SMALL_FILES);
    // Many files per message: a few dozen messages, not one per file.
    const reads = pool.tasksRun["read-whole"] - before["read-whole"];
    const writes = pool.tasksRun["write-files"] - before["write-files"];
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThan(SMALL_FILES / 10);
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(SMALL_FILES / 10);
    const report = await verifyFolderOnTape({
      folderOnTape: result.destination,
      expected: result.entries,
      pool,
    });
    expect(report).toMatchObject({ ok: true, filesChecked: SMALL_FILES });
  });

  it("stops an archive aborted mid-pipeline with ARCHIVE_ABORTED, no file left open on the tape", async () => {
    const destination = newTape();
    const controller = new AbortController();
    const onProgress = (progress: CopyProgress) => {
      if (progress.filesDone >= SMALL_FILES / 4) controller.abort();
    };
    const failure = await copyFolderToTape({
      source: manySmall,
      destination,
      description: "",
      pool,
      signal: controller.signal,
      onProgress,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "ARCHIVE_ABORTED" });
    const { partial } = failure as { partial: { filesWritten: number } };
    expect(partial.filesWritten).toBeLessThan(SMALL_FILES);
    expect(openFilesBelow(destination)).toEqual([]);
    expect(fs.existsSync(`${destination}.manifest.json`)).toBe(false);
  });

  it("fails with a catalogue code naming the file, whatever its name holds, when a worker dies", async () => {
    const source = path.join(root, "dies");
    const name = "crash-me\n✓ é\t$(x).bin";
    writeRandomFile(path.join(source, "a.txt"), 100);
    writeRandomFile(path.join(source, name), 2 * 1024 * 1024);
    writeRandomFile(path.join(source, "z.txt"), 100);
    const crashing = createFilePool({
      size: 2,
      workerUrl: new URL("../../helpers/crashing-file-worker.mjs", import.meta.url),
    });
    const destination = newTape();
    try {
      const failure = await copyFolderToTape({
        source,
        destination,
        description: "",
        pool: crashing,
      }).catch((error: unknown) => error);
      expect(failure).toMatchObject({
        code: "ARCHIVE_TAPE_WRITE_FAILED",
        message: expect.stringContaining(
          `Writing ${path.join(destination, name)} to the tape failed: a file worker thread failed`,
        ),
        hint: expect.any(String),
      });
    } finally {
      await crashing.close();
    }
    expect(fs.existsSync(`${destination}.manifest.json`)).toBe(false);
  });

  it("copies the bytes it read of files that change during the copy, and lists them", async () => {
    const source = path.join(root, "changing");
    writeRandomFile(path.join(source, "a-grows.txt"), 5000);
    writeRandomFile(path.join(source, "b-rewritten.txt"), 5000);
    writeRandomFile(path.join(source, "c-still.txt"), 5000);
    let changed = false;
    const onProgress = (progress: CopyProgress) => {
      // The scan is done and nothing is read yet: the files change between scan and read.
      if (progress.phase !== "copying" || changed) return;
      changed = true;
      fs.appendFileSync(path.join(source, "a-grows.txt"), Buffer.alloc(3000, 7));
      fs.writeFileSync(path.join(source, "b-rewritten.txt"), Buffer.alloc(5000, 9));
      fs.utimesSync(path.join(source, "b-rewritten.txt"), 1_000_000, 1_000_000);
    };
    const result = await copyFolderToTape({
      source,
      destination: newTape(),
      description: "",
      pool,
      onProgress,
    });
    expect(result.changedWhileCopying).toEqual(["a-grows.txt", "b-rewritten.txt"]);
    for (const file of result.files) {
      const onTape = fs.readFileSync(path.join(result.destination, file.path));
      const original = fs.readFileSync(path.join(source, file.path));
      expect(onTape.equals(original)).toBe(true);
      expect(file.size).toBe(original.length);
      expect(file.sha256).toBe(createHash("sha256").update(original).digest("hex"));
    }
  });
});
