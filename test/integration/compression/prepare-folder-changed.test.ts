import { rmSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedLedger } from "../../../services/compression/packed-ledger.ts";
import { prepareFolder } from "../../../services/compression/prepare-folder.ts";

/*
 * A folder that changes between being measured and being packed gives an archive that does not
 * hold what was measured: prepare must refuse it and keep nothing, not let it go to tape.
 */

let work: string;
let folder: string;
let scratch: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-prepare-changed-"));
  folder = path.join(work, "srv", "beta");
  scratch = path.join(work, "scratch");
  await fs.mkdir(path.join(folder, "data"), { recursive: true });
  await fs.mkdir(scratch);
  for (let index = 0; index < 5; index++) {
    await fs.writeFile(path.join(folder, "data", `f${index}.txt`), `file ${index}\n`);
  }
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe("prepare of a folder that changes before it is packed", () => {
  it("is ARCHIVE_INCOMPLETE when a file goes, saying what differs, and keeps no archive", async () => {
    const ledger = packedLedger(path.join(work, "state"));
    const texts: string[] = [];

    const prepared = prepareFolder({
      folder,
      compress: true,
      scratchPath: scratch,
      exclude: [],
      compression: "zstd",
      ledger,
      onProgress: ({ text }) => {
        texts.push(text);
        // A small folder's only "measuring: …" line is its final count: packing comes next.
        if (text.startsWith("measuring: ")) rmSync(path.join(folder, "data", "f3.txt"));
      },
    });

    await expect(prepared).rejects.toMatchObject({
      code: "ARCHIVE_INCOMPLETE",
      message: `The archive of ${folder} does not hold what the folder holds (the archive holds 4 files, the folder had 5), so it was not kept.`,
      hint: "Something changed the folder while it was packed: stop whatever writes into it, then requeue the job.",
    });
    expect(texts.filter((text) => text.startsWith("measuring: "))).toHaveLength(1);
    expect(texts).toContain("checking the archive");
    expect(await fs.readdir(scratch)).toEqual([]);
    expect(await ledger.list()).toEqual([]);
  });
});
