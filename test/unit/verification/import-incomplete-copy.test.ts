import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { folderFromTape } from "../../../services/verification/import-step.ts";

/*
 * import-tape on a tape pytarchive wrote (manifests beside its folders): a folder without a
 * manifest the catalog does not know is an archive interrupted part-way. It is reported, not
 * recorded as archived with checksums hashed from the partial copy; on a tape without manifests
 * (the original pytarchive's) such a folder is hashed from the tape as before.
 */

const tape = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-import-incomplete-"));
afterAll(() => fs.rmSync(tape, { recursive: true, force: true }));
const folder = path.join(tape, "half");
fs.mkdirSync(path.join(folder, "data"), { recursive: true });
fs.writeFileSync(path.join(folder, "data", "first.bin"), "written before the crash");

function read(tapeHoldsManifests: boolean) {
  return folderFromTape(folder, "half", "TAPE01L6", null, {
    signal: new AbortController().signal,
    onProgress: () => {},
    tapeHoldsManifests,
  });
}

describe("import-tape, a folder without a manifest", () => {
  it("is an incomplete copy, not imported, on a tape pytarchive wrote", async () => {
    expect(await read(true)).toEqual({
      problem: expect.stringContaining("an incomplete copy"),
    });
  });

  it("is hashed from the tape on a tape without manifests", async () => {
    expect(await read(false)).toMatchObject({
      path: "/unknown-original/TAPE01L6/half",
      checksumsFrom: "tape",
      fileCount: 1,
    });
  });
});
