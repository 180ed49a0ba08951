import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { duProbe } from "../../../services/inventory/engine/index.ts";
import { makeTempDir, removeTempDirs } from "../config/config-test-helpers.ts";

/* The inventory's looks at a subfolder that is gone by the time it is looked at. */

let root: string;

beforeAll(() => {
  root = makeTempDir();
});
afterAll(removeTempDirs);

describe("the inventory's folder probe", () => {
  it("is INVENTORY_PROBE_FAILED, quoting stat, when a subfolder's time cannot be read", async () => {
    const gone = path.join(root, "gone");
    await expect(duProbe.lastChange(gone, new AbortController().signal)).rejects.toMatchObject({
      code: "INVENTORY_PROBE_FAILED",
      message: expect.stringContaining("No such file or directory"),
    });
  });

  it("is INVENTORY_PROBE_FAILED when du counts nothing", async () => {
    const gone = path.join(root, "also-gone");
    await expect(duProbe.diskUsage(gone, new AbortController().signal)).rejects.toMatchObject({
      code: "INVENTORY_PROBE_FAILED",
    });
  });

  it("reads the time and size of a subfolder that is there", async () => {
    const here = path.join(root, "here");
    fs.mkdirSync(here);
    fs.writeFileSync(path.join(here, "data.bin"), Buffer.alloc(8192, 1));
    fs.utimesSync(here, 1_700_000_000, 1_700_000_000);
    const signal = new AbortController().signal;
    expect(await duProbe.lastChange(here, signal)).toEqual(new Date(1_700_000_000_000));
    expect((await duProbe.diskUsage(here, signal)).sizeKiB).toBeGreaterThanOrEqual(8);
  });
});
