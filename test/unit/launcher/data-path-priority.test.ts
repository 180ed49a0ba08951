import path from "node:path";
import { describe, expect, it } from "vitest";
import { DATA_PATH_NICENESS_STEP } from "../../../services/launcher/data-path-priority.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";

const MODULE = path.resolve(
  import.meta.dirname,
  "../../../services/launcher/data-path-priority.ts",
);

/*
 * A nice value belongs to the thread that set it: each case runs in a process of its own (as a
 * service process does), which sets it, starts a worker thread as the file pool does, and says
 * what the kernel gives both (/proc/thread-self/stat's 19th field).
 */
async function nicenessAfter(services: readonly string[], startNice = 0) {
  const script = `
    import { Worker } from "node:worker_threads";
    import { readFileSync } from "node:fs";
    import { lowerDataPathPriority } from ${JSON.stringify(MODULE)};
    const niceOf = () => Number(readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1].split(" ")[16]);
    const set = lowerDataPathPriority(${JSON.stringify(services)});
    const worker = new Worker(
      'import { readFileSync } from "node:fs"; import { parentPort } from "node:worker_threads";' +
      'parentPort.postMessage(Number(readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1].split(" ")[16]));',
      { eval: true },
    );
    worker.once("message", (workerNice) => {
      console.log(JSON.stringify({ set, main: niceOf(), worker: workerNice }));
      worker.terminate();
    });
  `;
  const run = await runCommand(
    "nice",
    [
      "-n",
      String(startNice),
      process.execPath,
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
    ],
    { timeoutMs: 60_000 },
  );
  expectExit(run);
  return JSON.parse(run.stdout) as { set: number | null; main: number; worker: number };
}

describe("a service process's CPU priority", () => {
  it("is lowered for a process of data-path services only, for its threads started after", async () => {
    expect(await nicenessAfter(["ltfs", "verification", "compression"])).toEqual({
      set: DATA_PATH_NICENESS_STEP,
      main: DATA_PATH_NICENESS_STEP,
      worker: DATA_PATH_NICENESS_STEP,
    });
    expect(await nicenessAfter(["verification"])).toMatchObject({ main: DATA_PATH_NICENESS_STEP });
  });

  it("stays as it was for control services, alone or beside the data path", async () => {
    expect(await nicenessAfter(["gateway"])).toEqual({ set: null, main: 0, worker: 0 });
    expect(await nicenessAfter(["catalog", "ltfs"])).toEqual({ set: null, main: 0, worker: 0 });
  });

  it("is lowered relative to a launcher run under nice, never above it", async () => {
    expect(await nicenessAfter(["ltfs"], 3)).toEqual({
      set: 3 + DATA_PATH_NICENESS_STEP,
      main: 3 + DATA_PATH_NICENESS_STEP,
      worker: 3 + DATA_PATH_NICENESS_STEP,
    });
  });
});
