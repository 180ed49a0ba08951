import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { CompressionServiceOptions } from "../../../services/compression/index.ts";

/**
 * How the compression service runs in these tests: a step that stops being worked on is
 * delivered again after 2 s, and packing reports every MiB.
 */
export const COMPRESSION_TEST_OPTIONS: CompressionServiceOptions = {
  ackWaitMs: 2_000,
  progressIntervalMs: 200,
  progressEveryBytes: 1024 * 1024,
};

/**
 * A folder that takes gzip a few seconds to pack: `files` files of random data (which does not
 * compress, so gzip works at its slowest), plus small files and a `.cache`.
 */
export async function makeSlowTree(
  parent: string,
  name: string,
  options: { files?: number; fileMiB?: number } = {},
): Promise<string> {
  const folder = path.join(parent, name);
  await fs.mkdir(path.join(folder, "data"), { recursive: true });
  await fs.mkdir(path.join(folder, ".cache"), { recursive: true });
  for (let index = 0; index < (options.files ?? 6); index += 1) {
    await fs.writeFile(
      path.join(folder, "data", `part-${index}.bin`),
      randomBytes((options.fileMiB ?? 25) * 1024 * 1024),
    );
  }
  for (let index = 0; index < 50; index += 1) {
    await fs.writeFile(path.join(folder, `note ${index} — ü.txt`), `note ${index}\n`);
  }
  await fs.writeFile(path.join(folder, ".cache", "skip.bin"), randomBytes(64 * 1024));
  return folder;
}

export interface SpawnedCompression {
  readonly child: ChildProcess;
  /** Resolves once the service says it runs (its log line on stderr). */
  readonly ready: Promise<void>;
  /** SIGKILL, as a crash or the OOM killer would; resolves when it is gone. */
  kill(): Promise<void>;
}

/** Starts compression-runner.ts in a process of its own with the configuration file given. */
export function spawnCompression(configFile: string): SpawnedCompression {
  const script = path.join(import.meta.dirname, "compression-runner.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, configFile], {
    stdio: ["ignore", "ignore", "pipe"],
    cwd: path.join(import.meta.dirname, "../../.."),
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      output += chunk;
      if (output.includes('"msg":"compression service running"')) resolve();
    });
    child.once("exit", (code, signal) =>
      reject(
        new Error(`the compression runner exited (${signal ?? code}):\n${output.slice(-2000)}`),
      ),
    );
  });
  return {
    child,
    ready,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
