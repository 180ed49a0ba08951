import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedLedger } from "../../../services/compression/packed-ledger.ts";
import { prepareFolder } from "../../../services/compression/prepare-folder.ts";
import { scratchArchiveName } from "../../../services/compression/scratch-archive-name.ts";

/*
 * prepare removes from scratch_path only the archives its ledger records as its own: scratch_path
 * may be /tmp, and a file there merely named like a folder's archive is someone else's.
 */

let work: string;
let folder: string;
let scratch: string;
let name: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-prepare-ledger-"));
  folder = path.join(work, "srv", "alpha");
  scratch = path.join(work, "scratch");
  await fs.mkdir(path.join(folder, "data"), { recursive: true });
  await fs.mkdir(scratch);
  for (let index = 0; index < 5; index++) {
    await fs.writeFile(path.join(folder, "data", `f${index}.txt`), `file ${index}\n`);
  }
  name = scratchArchiveName(folder);
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function prepare(state: string) {
  return prepareFolder({
    folder,
    compress: true,
    scratchPath: scratch,
    exclude: [],
    compression: "zstd",
    ledger: packedLedger(state),
    onProgress: () => {},
  });
}

describe("prepare and files in scratch_path it did not write", () => {
  it("leaves a foreign file named like the folder's other archive, and packs beside it", async () => {
    const foreign = [`${name}.tar.gz`, `${name}.tar.gz.partial`].map((file) =>
      path.join(scratch, file),
    );
    for (const file of foreign) await fs.writeFile(file, "someone's\n");

    const prepared = await prepare(path.join(work, "state-1"));
    expect(prepared.archivePath).toBe(path.join(scratch, `${name}.tar.zst`));
    for (const file of foreign) expect(await fs.readFile(file, "utf8")).toBe("someone's\n");
    await fs.rm(prepared.archivePath as string);
    for (const file of foreign) await fs.rm(file);
  });

  it("refuses, touching nothing, when a foreign file has the archive's own name", async () => {
    const foreign = path.join(scratch, `${name}.tar.zst`);
    await fs.writeFile(foreign, "someone's\n");
    const state = path.join(work, "state-2");
    await expect(prepare(state)).rejects.toMatchObject({ code: "SCRATCH_NAME_TAKEN" });
    expect(await fs.readFile(foreign, "utf8")).toBe("someone's\n");
    expect(await packedLedger(state).list()).toEqual([]);
    await fs.rm(foreign);
  });

  it("replaces its own recorded archives, of either compression", async () => {
    const state = path.join(work, "state-3");
    const ledger = packedLedger(state);
    const own = path.join(scratch, `${name}.tar.gz`);
    await fs.writeFile(own, "an earlier prepare's archive\n");
    await ledger.record(own, folder);

    const prepared = await prepare(state);
    await expect(fs.lstat(own)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await ledger.list()).map((record) => record.archive)).toEqual([prepared.archivePath]);
  });
});
