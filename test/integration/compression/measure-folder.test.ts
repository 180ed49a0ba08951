import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FolderMeasurement,
  type MeasureProgress,
  measureFolder,
} from "../../../services/compression/engine/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { expectExit } from "../../../shared/exec/index.ts";
import {
  bundledForNobody,
  folderNobodyCanEnter,
  runUnprivileged,
} from "../../helpers/as-nobody.ts";
import { duKiB, findCounts, kibFromDu } from "./gnu-tools.ts";
import { makeSampleTree, SAMPLE_EXCLUDES, type SampleTree } from "./sample-tree.ts";

let workFolder: string;
let sample: SampleTree;

beforeAll(async () => {
  // The unreadable-entries test measures in it as nobody.
  workFolder = await folderNobodyCanEnter("pyt-measure-");
  sample = await makeSampleTree(workFolder);
});
afterAll(async () => {
  await fs.rm(workFolder, { recursive: true, force: true });
});

async function newFolder(name: string): Promise<string> {
  const folder = path.join(workFolder, name);
  await fs.mkdir(folder, { recursive: true });
  return folder;
}

async function refusal(promise: Promise<unknown>): Promise<PytarchiveError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PytarchiveError);
  return error as PytarchiveError;
}

describe("measureFolder against du -s and find", () => {
  it("gives du -s's KiB and find's counts for the whole sample tree", async () => {
    const measured = await measureFolder({ folder: sample.folder });
    expect(measured.sizeKiB).toBe(await duKiB(sample.folder));
    expect({
      fileCount: measured.fileCount,
      directoryCount: measured.directoryCount,
      symlinkCount: measured.symlinkCount,
      otherCount: measured.otherCount,
    }).toEqual(await findCounts(sample.folder));
    expect([...measured.unreadable].sort((a, b) => a.path.localeCompare(b.path))).toEqual([]);
    expect(measured.unreadableCount).toBe(0);
  });

  it("leaves excluded folders out entirely, like du -s of the folder without them", async () => {
    const measured = await measureFolder({ folder: sample.folder, exclude: SAMPLE_EXCLUDES });
    const whole = await measureFolder({ folder: sample.folder });
    // The excluded folders are moved aside for du and find, then back. Not a copy: a copy's
    // blocks are laid out anew and can differ from the original's by a block.
    const aside = path.join(workFolder, "excluded aside");
    await fs.mkdir(aside);
    const moved = SAMPLE_EXCLUDES.map((excluded, index) => ({
      from: path.join(sample.folder, excluded),
      to: path.join(aside, String(index)),
    }));
    let without: { sizeKiB: number; counts: Awaited<ReturnType<typeof findCounts>> };
    for (const { from, to } of moved) await fs.rename(from, to);
    try {
      without = { sizeKiB: await duKiB(sample.folder), counts: await findCounts(sample.folder) };
    } finally {
      for (const { from, to } of moved) await fs.rename(to, from);
    }

    expect(measured.sizeKiB).toBe(without.sizeKiB);
    expect(measured.fileCount).toBe(without.counts.fileCount);
    expect(measured.directoryCount).toBe(without.counts.directoryCount);
    // .cache holds 2 files and 2 folders, "scratch data/tmp" 1 file and 1 folder.
    expect(whole.fileCount - measured.fileCount).toBe(3);
    expect(whole.directoryCount - measured.directoryCount).toBe(3);
    expect(whole.sizeKiB - measured.sizeKiB).toBeGreaterThanOrEqual(1024 + 64 + 512);
  });

  it("excludes only the exact relative path: .cache2 and sub/.cache are still counted", async () => {
    const folder = await newFolder("anchored");
    await fs.mkdir(path.join(folder, ".cache"));
    await fs.writeFile(path.join(folder, ".cache", "gone.txt"), "x");
    await fs.mkdir(path.join(folder, ".cache2"));
    await fs.writeFile(path.join(folder, ".cache2", "kept.txt"), "x");
    await fs.mkdir(path.join(folder, "sub", ".cache"), { recursive: true });
    await fs.writeFile(path.join(folder, "sub", ".cache", "kept.txt"), "x");

    const measured = await measureFolder({ folder, exclude: ["./.cache/"] });
    expect(measured.fileCount).toBe(2);
    expect(measured.directoryCount).toBe(4); // the folder, .cache2, sub, sub/.cache
  });

  it("counts a hard-linked file's blocks once but each of its names as a file", async () => {
    const folder = await newFolder("hard links");
    await fs.writeFile(path.join(folder, "one.bin"), randomBytes(1024 * 1024));
    await fs.link(path.join(folder, "one.bin"), path.join(folder, "two.bin"));
    await fs.link(path.join(folder, "one.bin"), path.join(folder, "three.bin"));

    const measured = await measureFolder({ folder });
    expect(measured.fileCount).toBe(3);
    expect(measured.sizeKiB).toBe(await duKiB(folder));
    expect(measured.sizeKiB).toBeLessThan(2 * 1024);
    expect(measured.apparentBytes).toBe(1024 * 1024);
    // LTFS has no hard links: a copy onto tape writes every name in full.
    expect(measured.tapeBytes).toBe(3 * 1024 * 1024);
  });

  it("counts a sparse file's allocated blocks, not its length", async () => {
    const folder = await newFolder("sparse");
    const handle = await fs.open(path.join(folder, "disk.img"), "w");
    await handle.write(randomBytes(8192), 0, 8192, 100 * 1024 * 1024);
    await handle.close();

    const measured = await measureFolder({ folder });
    expect(measured.sizeKiB).toBe(await duKiB(folder));
    expect(measured.sizeKiB).toBeLessThan(1024);
    expect(measured.apparentBytes).toBe(100 * 1024 * 1024 + 8192);
    // LTFS stores it in full.
    expect(measured.tapeBytes).toBe(100 * 1024 * 1024 + 8192);
  });

  it("counts empty files and folders, and never follows a link to a large folder", async () => {
    const folder = await newFolder("links and empties");
    await fs.writeFile(path.join(folder, "empty"), "");
    await fs.mkdir(path.join(folder, "nothing here"));
    await fs.symlink(sample.outside, path.join(folder, "outside"));

    const measured = await measureFolder({ folder });
    expect(measured).toMatchObject({ fileCount: 1, directoryCount: 2, symlinkCount: 1 });
    expect(measured.sizeKiB).toBe(await duKiB(folder));
    expect(measured.sizeKiB).toBeLessThan(5 * 1024);
  });

  it("reports progress every N entries while it walks a folder of 3,000 files", async () => {
    const folder = await newFolder("three thousand");
    for (let index = 0; index < 3000; index += 1) {
      await fs.writeFile(path.join(folder, `f${index}`), "");
    }
    const seen: MeasureProgress[] = [];
    const measured = await measureFolder({
      folder,
      progressEvery: 500,
      onProgress: (progress) => seen.push(progress),
    });
    expect(measured.fileCount).toBe(3000);
    expect(seen.map((progress) => progress.entriesSeen)).toEqual([
      500, 1000, 1500, 2000, 2500, 3000, 3001,
    ]);
    expect(seen.at(-1)).toEqual({
      entriesSeen: 3001,
      fileCount: 3000,
      sizeKiB: measured.sizeKiB,
      currentFolder: folder,
    });
  });

  it("stops with MEASURE_ABORTED when its signal aborts", async () => {
    const controller = new AbortController();
    const error = await refusal(
      measureFolder({
        folder: sample.folder,
        signal: controller.signal,
        progressEvery: 10,
        onProgress: () => controller.abort(),
      }),
    );
    expect(error.code).toBe("MEASURE_ABORTED");
    expect(error.message).toMatch(
      /^Measuring .*Projekt Überblick 2024 was aborted after \d+ entries$/,
    );
  });
});

describe("measureFolder with entries it cannot read", () => {
  it("lists them and still sizes the folder as du -s does for the same user", async () => {
    const folder = await newFolder("partly unreadable");
    await fs.writeFile(path.join(folder, "readable.txt"), "fine\n");
    await fs.mkdir(path.join(folder, "no access"));
    await fs.writeFile(path.join(folder, "no access", "hidden.bin"), randomBytes(64 * 1024));
    await fs.chmod(path.join(folder, "no access"), 0o000);
    await fs.mkdir(path.join(folder, "names only"));
    await fs.writeFile(path.join(folder, "names only", "a.txt"), "a\n");
    await fs.chmod(path.join(folder, "names only"), 0o444);

    // Both as nobody when the tests run as root (root reads everything), else as this user.
    const script = await bundledForNobody(
      new URL("./print-measurement.ts", import.meta.url),
      workFolder,
    );
    const measured = JSON.parse(
      expectExit(await runUnprivileged(workFolder, process.execPath, [script, folder])).stdout,
    ) as FolderMeasurement;
    const du = await runUnprivileged(workFolder, "du", ["-s", folder]);

    expect(du.exitCode).toBe(1);
    expect(measured.sizeKiB).toBe(kibFromDu(du));
    expect([...measured.unreadable].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: path.join(folder, "names only", "a.txt"), error: "permission denied (EACCES)" },
      { path: path.join(folder, "no access"), error: "permission denied (EACCES)" },
    ]);
    expect(measured.unreadableCount).toBe(2);
    expect(measured.fileCount).toBe(1);
    await fs.chmod(path.join(folder, "no access"), 0o755);
    await fs.chmod(path.join(folder, "names only"), 0o755);
  });
});

describe("measureFolder refuses what it cannot measure", () => {
  it("refuses a relative path", async () => {
    const error = await refusal(measureFolder({ folder: "projects/alpha" }));
    expect(error.code).toBe("PATH_NOT_ABSOLUTE");
    expect(error.message).toBe('"projects/alpha" is not an absolute path');
  });

  it("refuses a folder that does not exist", async () => {
    const missing = path.join(workFolder, "missing");
    const error = await refusal(measureFolder({ folder: missing }));
    expect(error.code).toBe("FOLDER_NOT_FOUND");
    expect(error.message).toBe(`${missing} does not exist`);
  });

  it("refuses a file", async () => {
    const file = path.join(sample.folder, "readme.txt");
    const error = await refusal(measureFolder({ folder: file }));
    expect(error.code).toBe("NOT_A_FOLDER");
  });

  it("refuses a symbolic link and names the folder it points to", async () => {
    const link = path.join(workFolder, "link to sample");
    await fs.symlink(sample.folder, link);
    const error = await refusal(measureFolder({ folder: link }));
    expect(error.code).toBe("FOLDER_IS_SYMLINK");
    expect(error.hint).toBe(`Prepare the folder it points to: ${sample.folder}`);
  });

  it("refuses an exclude entry that leaves the folder", async () => {
    const error = await refusal(measureFolder({ folder: sample.folder, exclude: ["../other"] }));
    expect(error.code).toBe("EXCLUDE_FOLDER_INVALID");
    expect(error.message).toBe(
      'exclude_folders entry "../other" is not a folder inside the folder being prepared',
    );
  });
});
