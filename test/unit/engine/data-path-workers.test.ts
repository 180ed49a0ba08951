import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CopyProgress,
  copyFolderToTape,
  restoreFolderFromTape,
} from "../../../services/ltfs/engine/index.ts";
import {
  hashFilesInOrder,
  verifyFolderOnTape,
} from "../../../services/verification/engine/index.ts";
import {
  createFilePool,
  type FilePool,
  FileWorkerFailedError,
} from "../../../shared/data-path/index.ts";
import { isTransientError } from "../../../shared/errors/index.ts";
import { recordingPool } from "./recording-pool.ts";
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

  /*
   * A tape is read front to back: a read out of order makes a real drive reposition. What the
   * pool is asked, in which order and how many at once, is recorded.
   */
  it.each([
    ["tape", true],
    ["disk", false],
  ] as const)(
    "hashes files from a %s (one read at a time, in the order given: %s)",
    async (readFrom, inOrder) => {
      const folder = path.join(root, `order-${readFrom}`);
      const targets = Array.from({ length: 601 }, (_, index) => {
        const absolute = path.join(folder, `f${String(index).padStart(3, "0")}`);
        // One large file in the middle, streamed in its turn; the others read ahead in batches.
        const size = index === 300 ? 5000 : 100;
        writeRandomFile(absolute, size);
        return { absolute, size };
      });
      const recording = recordingPool(pool);
      let hashed = 0;
      for await (const { digest } of hashFilesInOrder(targets, {
        pool: recording.pool,
        readFrom,
        smallFileBytes: 1000,
      })) {
        expect(digest.error).toBeUndefined();
        hashed += 1;
      }
      expect(hashed).toBe(targets.length);
      const given = targets.map((target) => target.absolute);
      const asked = recording.asked.flatMap((task) => task.paths);
      const readsOneAtATime = recording.asked
        .filter((task) => task.kind === "read-whole")
        .map((task) => task.oneAtATime === true);
      if (inOrder) {
        expect(asked).toEqual(given);
        expect(recording.mostInFlight()).toBe(1);
        expect(readsOneAtATime.every(Boolean)).toBe(true);
      } else {
        // A disk is read ahead past the large file, several reads at once.
        expect(asked).not.toEqual(given);
        expect(readsOneAtATime.some(Boolean)).toBe(false);
      }
    },
  );

  /*
   * A worker thread that dies is not a problem of any file, tape or drive: it fails the step with
   * FILE_WORKER_FAILED, which a retry may cure — never "unreadable", "try another tape" or
   * "archive to another tape". The crashing worker dies on any task naming "crash-me".
   */
  describe("a worker that dies", () => {
    const crashingWorker = new URL("../../helpers/crashing-file-worker.mjs", import.meta.url);
    const sizes = [
      ["a small file (read ahead, in batches)", 100],
      ["a large file (streamed)", 2 * 1024 * 1024],
    ] as const;
    const folderWith = (label: string, size: number) => {
      const source = path.join(root, `dies-${label}`);
      writeRandomFile(path.join(source, "a.txt"), 100);
      writeRandomFile(path.join(source, "crash-me\n✓ é\t$(x).bin"), size);
      writeRandomFile(path.join(source, "z.txt"), 100);
      return source;
    };
    const expectWorkerFailure = (failure: unknown) => {
      expect(failure).toBeInstanceOf(FileWorkerFailedError);
      expect(failure).toMatchObject({
        code: "FILE_WORKER_FAILED",
        message: expect.stringContaining("A file worker thread failed: the worker met a task"),
      });
      expect(isTransientError(failure)).toBe(true);
    };
    const withCrashingPool = async <T>(use: (crashing: FilePool) => Promise<T>) => {
      const crashing = createFilePool({ size: 2, workerUrl: crashingWorker });
      try {
        return await use(crashing);
      } finally {
        await crashing.close();
      }
    };

    it.each(sizes)("fails an archive with FILE_WORKER_FAILED on %s", async (_label, size) => {
      const source = folderWith(`archive-${size}`, size);
      const destination = newTape();
      const failure = await withCrashingPool((crashing) =>
        copyFolderToTape({ source, destination, description: "", pool: crashing }),
      ).catch((error: unknown) => error);
      expectWorkerFailure(failure);
      expect(fs.existsSync(`${destination}.manifest.json`)).toBe(false);
    });

    it.each(sizes)(
      "fails a read-back with FILE_WORKER_FAILED on %s, no file reported",
      async (_label, size) => {
        const archived = await copyFolderToTape({
          source: folderWith(`verify-${size}`, size),
          destination: newTape(),
          description: "",
          pool,
        });
        const failure = await withCrashingPool((crashing) =>
          verifyFolderOnTape({
            folderOnTape: archived.destination,
            expected: archived.entries,
            pool: crashing,
          }),
        ).catch((error: unknown) => error);
        expectWorkerFailure(failure);
      },
    );

    it.each([
      ["reading a small file", 100, "restored"],
      ["writing a small file", 100, "restored-crash-me"],
      ["streaming a large file", 2 * 1024 * 1024, "restored"],
    ] as const)("fails a restore with FILE_WORKER_FAILED %s", async (_label, size, targetName) => {
      const archived = await copyFolderToTape({
        source: folderWith(`restore-${size}-${targetName}`, size),
        destination: newTape(),
        description: "",
        pool,
      });
      const target = path.join(root, `${targetName}-${size}`);
      const failure = await withCrashingPool((crashing) =>
        restoreFolderFromTape({
          folderOnTape: archived.destination,
          target,
          entries: archived.entries.map((entry) => ({
            ...entry,
            startBlock: null,
            partition: null,
          })),
          pool: crashing,
        }),
      ).catch((error: unknown) => error);
      expectWorkerFailure(failure);
    });
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
