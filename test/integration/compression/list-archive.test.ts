import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FolderMeasurement,
  listArchive,
  measureFolder,
  packFolder,
  verifyArchive,
} from "../../../services/compression/engine/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { findCounts } from "./gnu-tools.ts";
import { makeSampleTree, type SampleTree } from "./sample-tree.ts";

let workFolder: string;
let sample: SampleTree;
let measured: FolderMeasurement;
let archivePath: string;

beforeAll(async () => {
  workFolder = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-list-"));
  sample = await makeSampleTree(workFolder);
  measured = await measureFolder({ folder: sample.folder });
  const scratch = path.join(workFolder, "scratch");
  await fs.mkdir(scratch);
  archivePath = (
    await packFolder({
      folder: sample.folder,
      scratchPath: scratch,
      name: "all",
      compression: "zstd",
    })
  ).archivePath;
});
afterAll(async () => {
  await fs.rm(workFolder, { recursive: true, force: true });
});

describe("listArchive", () => {
  it("counts the archive's members by kind, as find counts the folder", async () => {
    const listingFolder = await fs.mkdtemp(path.join(workFolder, "listing-"));
    const listing = await listArchive({ archivePath, listingFolder });
    const found = await findCounts(sample.folder);
    expect(listing).toEqual({
      entryCount: found.fileCount + found.directoryCount + found.symlinkCount + found.otherCount,
      ...found,
    });
    // The listing went through a temporary file, which is gone.
    expect(await fs.readdir(listingFolder)).toEqual([]);
  });

  it("refuses a truncated archive with ARCHIVE_UNREADABLE", async () => {
    const truncated = path.join(workFolder, "truncated.tar.zst");
    const whole = await fs.readFile(archivePath);
    await fs.writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));

    const error = await listArchive({ archivePath: truncated }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PytarchiveError);
    expect((error as PytarchiveError).code).toBe("ARCHIVE_UNREADABLE");
    expect((error as PytarchiveError).message).toMatch(
      new RegExp(
        `^${truncated} cannot be read to its end; it is damaged or not a tar archive:\\n  .*`,
      ),
    );
  });
});

describe("verifyArchive", () => {
  it("matches the folder's measurement", async () => {
    const verification = await verifyArchive({ archivePath, expected: measured });
    expect(verification.matches).toBe(true);
    expect(verification.differences).toEqual([]);
    expect(verification.listing.fileCount).toBe(measured.fileCount);
  });

  it("says which counts differ when the folder had more than the archive holds", async () => {
    const verification = await verifyArchive({
      archivePath,
      expected: { ...measured, fileCount: measured.fileCount + 1, symlinkCount: 0 },
    });
    expect(verification.matches).toBe(false);
    expect(verification.differences).toEqual([
      `the archive holds ${measured.fileCount} files, the folder had ${measured.fileCount + 1}`,
      `the archive holds ${measured.symlinkCount} symbolic links, the folder had 0`,
    ]);
  });
});
