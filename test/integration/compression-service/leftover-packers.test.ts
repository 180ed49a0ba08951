import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLeftoverPackers } from "../../../services/compression/leftover-packers.ts";
import { makeSlowTree } from "./support.ts";

let root: string;
let folder: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-leftover-packers-"));
  folder = await makeSlowTree(root, "Big Folder", { files: 4 });
});

afterAll(async () => {
  if (root) await fs.rm(root, { recursive: true, force: true });
});

/** A tar packing `folder` into `partial` with gzip, as the engine runs it (slow on random data). */
function startPacker(partial: string): {
  child: ChildProcess;
  exit: Promise<NodeJS.Signals | null>;
} {
  const child = spawn(
    "tar",
    [
      "--create",
      `--file=${partial}`,
      "--gzip",
      `--directory=${path.dirname(folder)}`,
      "--",
      path.basename(folder),
    ],
    { stdio: "ignore" },
  );
  const exit = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once("exit", (_code, signal) => resolve(signal)),
  );
  return { child, exit };
}

describe("stopLeftoverPackers", () => {
  it("stops the tar still writing a partial archive of the folder, and no other", async () => {
    const ours = path.join(root, "big-1c0e5b2a.tar.gz.partial");
    const other = path.join(root, "other-00000000.tar.gz.partial");
    const leftover = startPacker(ours);
    const unrelated = startPacker(other);
    try {
      // Wait until both really write.
      for (const partial of [ours, other]) {
        for (
          let tries = 0;
          (await fs.stat(partial).catch(() => null))?.size === undefined;
          tries++
        ) {
          if (tries > 100) throw new Error(`tar never started writing ${partial}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      const stopped = await stopLeftoverPackers([ours, `${ours}.missing`]);
      expect(stopped).toEqual([leftover.child.pid]);
      expect(await leftover.exit).toBe("SIGTERM");
      expect(unrelated.child.exitCode).toBeNull();
      expect(unrelated.child.signalCode).toBeNull();
    } finally {
      leftover.child.kill("SIGKILL");
      unrelated.child.kill("SIGKILL");
      await unrelated.exit;
    }
  });

  it("finds nothing to stop when no tar writes the archive", async () => {
    expect(await stopLeftoverPackers([path.join(root, "nobody.tar.zst.partial")])).toEqual([]);
  });
});
