import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createFilePool,
  createReadAhead,
  FileWorkerFailedError,
} from "../../../shared/data-path/index.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-file-pool-"));
const pool = createFilePool({ size: 2 });
const crashingWorker = new URL("../../helpers/crashing-file-worker.mjs", import.meta.url);

afterAll(async () => {
  await pool.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function writeFile(name: string, data: Buffer): string {
  const file = path.join(root, name);
  fs.writeFileSync(file, data);
  return file;
}

describe("the file pool", () => {
  it("reads and hashes many files per message in a worker, in the order given", async () => {
    const contents = Array.from({ length: 300 }, (_, index) => randomBytes(index * 7));
    const files = contents.map((data, index) => writeFile(`small-${index}.bin`, data));
    const before = pool.tasksRun["read-whole"];
    const reader = createReadAhead(
      pool,
      files.map((file, index) => ({ path: file, size: (contents[index] as Buffer).length })),
      { keepData: true, readFrom: "disk", limits: { batchFiles: 100 } },
    );
    for (const [index, data] of contents.entries()) {
      const file = await reader.take(index);
      expect(file).toMatchObject({ ok: true, length: data.length, sha256: sha256(data) });
      expect(file?.ok && file.data?.equals(data)).toBe(true);
    }
    await reader.settle();
    // Three messages carried the 300 files, and the workers, not this thread, hashed them.
    expect(pool.tasksRun["read-whole"] - before).toBe(3);
  });

  it("streams a large file through SHA-256 with its progress, and says why a file is unreadable", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const file = writeFile("large.bin", data);
    let reported = 0;
    const answer = await pool.run(
      { kind: "hash-file", path: file, chunkBytes: 256 * 1024 },
      { onProgress: (bytes) => (reported += bytes) },
    );
    expect(answer).toEqual({ ok: true, bytes: data.length, sha256: sha256(data) });
    expect(reported).toBe(data.length);
    const missing = await pool.run({
      kind: "hash-file",
      path: path.join(root, "not here\n✓.bin"),
      chunkBytes: 1024,
    });
    expect(missing).toMatchObject({ ok: false, error: { code: "ENOENT" } });
  });

  it("stops a running stream when its signal aborts, and rejects with the reason", async () => {
    const file = writeFile("stopped.bin", randomBytes(16 * 1024 * 1024));
    const controller = new AbortController();
    const reason = new Error("the job was aborted");
    let reported = 0;
    const running = pool.run(
      { kind: "hash-file", path: file, chunkBytes: 64 * 1024 },
      {
        signal: controller.signal,
        onProgress: (bytes) => {
          reported += bytes;
          if (reported >= 1024 * 1024) controller.abort(reason);
        },
      },
    );
    await expect(running).rejects.toBe(reason);
    expect(reported).toBeLessThan(16 * 1024 * 1024);
    // The worker is free again for the next task.
    const after = await pool.run({ kind: "hash-file", path: file, chunkBytes: 1024 * 1024 });
    expect(after.ok).toBe(true);
  });

  it("rejects the task of a worker that dies with FileWorkerFailedError, and runs the next on a new worker", async () => {
    const crashing = createFilePool({ size: 1, workerUrl: crashingWorker });
    try {
      const file = writeFile("crash-me.bin", randomBytes(10));
      const failed = crashing.run({ kind: "hash-file", path: file, chunkBytes: 1024 });
      await expect(failed).rejects.toBeInstanceOf(FileWorkerFailedError);
      await expect(failed).rejects.toThrow(/A file worker thread failed: .*made to fail/);
      const fine = writeFile("fine.bin", Buffer.from("fine"));
      await expect(
        crashing.run({ kind: "hash-file", path: fine, chunkBytes: 1024 }),
      ).resolves.toMatchObject({ ok: true, sha256: sha256(Buffer.from("fine")) });
    } finally {
      await crashing.close();
    }
  });
});
