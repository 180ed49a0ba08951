import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ARCHIVE_SUFFIXES,
  COMPRESSIONS,
  type FolderMeasurement,
  measureFolder,
  type PackProgress,
  packFolder,
  removeLeftoverPartials,
  verifyArchive,
} from "../../../services/compression/engine/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { writeShellScript } from "../../helpers/shell-script.ts";
import { duKiB, extractArchive } from "./gnu-tools.ts";
import { makeSampleTree, SAMPLE_EXCLUDES, type SampleTree } from "./sample-tree.ts";
import { restorableView, snapshotTree, type TreeSnapshot, withoutPaths } from "./tree-snapshot.ts";

const NAME = "Projekt Überblick 2024";
/** First bytes of each compressed format (RFC 1952 for gzip, RFC 8878 for zstd). */
const MAGIC = { gzip: "1f8b", zstd: "28b52ffd" } as const;

let workFolder: string;
let sample: SampleTree;
let sourceBefore: TreeSnapshot;
let measured: FolderMeasurement;
let scratchCount = 0;

beforeAll(async () => {
  workFolder = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-pack-"));
  sample = await makeSampleTree(workFolder);
  sourceBefore = await snapshotTree(sample.folder);
  measured = await measureFolder({ folder: sample.folder, exclude: SAMPLE_EXCLUDES });
});
afterAll(async () => {
  await fs.rm(workFolder, { recursive: true, force: true });
});

async function newScratch(): Promise<string> {
  scratchCount += 1;
  const scratch = path.join(workFolder, `scratch ${scratchCount}`);
  await fs.mkdir(scratch);
  return scratch;
}

async function refusal(promise: Promise<unknown>): Promise<PytarchiveError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PytarchiveError);
  return error as PytarchiveError;
}

async function firstBytesHex(file: string, count: number): Promise<string> {
  const handle = await fs.open(file, "r");
  try {
    const buffer = Buffer.alloc(count);
    await handle.read(buffer, 0, count, 0);
    return buffer.toString("hex");
  } finally {
    await handle.close();
  }
}

let incompressible: Promise<string> | undefined;
/** 64 MiB of random data: packing it takes long enough to be aborted midway. */
function incompressibleFolder(): Promise<string> {
  incompressible ??= (async () => {
    const folder = path.join(workFolder, "incompressible");
    await fs.mkdir(folder);
    for (let index = 0; index < 8; index += 1) {
      await fs.writeFile(path.join(folder, `random-${index}.bin`), randomBytes(8 * 1024 * 1024));
    }
    return folder;
  })();
  return incompressible;
}

/** A fake tar: answers --version as GNU tar, and for --create writes to --file=…, prints, exits. */
async function fakeTar(stderr: string, exitCode: number): Promise<string> {
  const script = path.join(workFolder, `fake-tar-${exitCode}-${scratchCount}`);
  await fs.writeFile(
    script,
    [
      "#!/bin/sh",
      'if [ "$1" = "--version" ]; then echo "tar (GNU tar) 1.34"; exit 0; fi',
      `for arg in "$@"; do case "$arg" in --file=*) echo partial > "$(echo "$arg" | cut -c8-)";; esac; done`,
      `printf '%s\\n' ${JSON.stringify(stderr)} >&2`,
      `exit ${exitCode}`,
    ].join("\n"),
    { mode: 0o755 },
  );
  return script;
}

describe.each(COMPRESSIONS)("packFolder with %s", (compression) => {
  let scratch: string;
  let archivePath: string;
  const progress: PackProgress[] = [];

  beforeAll(async () => {
    scratch = await newScratch();
    const packed = await packFolder({
      folder: sample.folder,
      scratchPath: scratch,
      name: NAME,
      exclude: SAMPLE_EXCLUDES,
      compression,
      progressEveryBytes: 512 * 1024,
      onProgress: (step) => progress.push(step),
    });
    archivePath = packed.archivePath;
    expect(packed).toEqual({
      archivePath: path.join(scratch, `${NAME}${ARCHIVE_SUFFIXES[compression]}`),
      compression,
      sizeKiB: await duKiB(packed.archivePath),
      bytes: (await fs.stat(packed.archivePath)).size,
      tarBytes: progress.at(-1)?.packedBytes,
    });
  });

  it(`writes one ${ARCHIVE_SUFFIXES[compression]} archive, compressed with ${compression}, and no partial file`, async () => {
    expect(await fs.readdir(scratch)).toEqual([`${NAME}${ARCHIVE_SUFFIXES[compression]}`]);
    expect(await firstBytesHex(archivePath, MAGIC[compression].length / 2)).toBe(
      MAGIC[compression],
    );
    // Owner-only: scratch_path is often /tmp, and the archive holds the users' files.
    expect((await fs.stat(archivePath)).mode & 0o777).toBe(0o600);
  });

  it("unpacks to the same tree minus the excluded folders: content, modes, mtimes, links", async () => {
    const target = await fs.mkdtemp(path.join(workFolder, "unpacked-"));
    await extractArchive(archivePath, target);
    expect(await fs.readdir(target)).toEqual([NAME]);
    const unpacked = await snapshotTree(path.join(target, NAME));

    expect(restorableView(unpacked)).toEqual(
      restorableView(withoutPaths(sourceBefore, SAMPLE_EXCLUDES)),
    );
    expect(unpacked.has(".cache")).toBe(false);
    expect(unpacked.get("sub/.cache/keep.txt")?.type).toBe("file");
    expect(unpacked.get("links/to-outside")?.linkTarget).toBe(sample.outside);
    expect(unpacked.get("data/hard-2.bin")?.linkGroup).toBe("data/hard-1.bin");
    expect(unpacked.get("old/ancient.txt")?.mtimeNs).toBe(981173106_000_000_000n);
    // The 64 MiB sparse file comes back with its holes (8 KiB of data, not 64 MiB of blocks).
    expect(unpacked.get("data/sparse.img")?.size).toBe(64n * 1024n * 1024n);
    expect(unpacked.get("data/sparse.img")?.blocks).toBeLessThan(1024n);
  });

  it("holds as many files, folders and links as the folder measured", async () => {
    const verification = await verifyArchive({ archivePath, expected: measured });
    expect(verification).toEqual({
      matches: true,
      listing: {
        entryCount:
          measured.fileCount +
          measured.directoryCount +
          measured.symlinkCount +
          measured.otherCount,
        fileCount: measured.fileCount,
        directoryCount: measured.directoryCount,
        symlinkCount: measured.symlinkCount,
        otherCount: 1, // the FIFO
      },
      differences: [],
    });
  });

  it("reports progress as growing byte counts that end at the tar stream's length", () => {
    const bytes = progress.map((step) => step.packedBytes);
    expect(bytes.length).toBeGreaterThanOrEqual(3);
    expect(bytes.slice(0, -1)).toEqual([...bytes.slice(0, -1)].sort((a, b) => a - b));
    expect(bytes.at(-1)).toBeGreaterThan(3 * 1024 * 1024); // data/big.bin alone is 3 MiB
  });

  it("leaves the source exactly as it was (content, modes, times, inodes, ctimes)", async () => {
    expect(await snapshotTree(sample.folder)).toEqual(sourceBefore);
  });
});

describe("packFolder reads without leaving a trace", () => {
  it("does not change the originals' access times", async () => {
    const folder = path.join(workFolder, "atime check");
    await fs.mkdir(folder);
    const file = path.join(folder, "read me.txt");
    await fs.writeFile(file, "content that tar reads\n");
    // An access time older than the modification time: a plain read would move it (relatime).
    await fs.utimes(file, new Date("2020-01-02T03:04:05Z"), new Date("2024-05-06T07:08:09Z"));
    const before = (await fs.stat(file, { bigint: true })).atimeNs;
    await packFolder({
      folder,
      scratchPath: await newScratch(),
      name: "atime-check",
      compression: "gzip",
    });
    expect((await fs.stat(file, { bigint: true })).atimeNs).toBe(before);
  });
});

describe("packFolder keeps archives whole", () => {
  it("refuses an archive that already exists, and replaces it only when asked", async () => {
    const scratch = await newScratch();
    const first = await packFolder({
      folder: sample.folder,
      scratchPath: scratch,
      name: "again",
      compression: "gzip",
    });
    const firstInode = (await fs.stat(first.archivePath)).ino;

    const error = await refusal(
      packFolder({
        folder: sample.folder,
        scratchPath: scratch,
        name: "again",
        compression: "gzip",
      }),
    );
    expect(error.code).toBe("ARCHIVE_EXISTS");
    expect(error.message).toBe(`${first.archivePath} already exists`);
    expect((await fs.stat(first.archivePath)).ino).toBe(firstInode);

    const second = await packFolder({
      folder: sample.folder,
      scratchPath: scratch,
      name: "again",
      compression: "gzip",
      replace: true,
    });
    expect(second.archivePath).toBe(first.archivePath);
    expect((await fs.stat(second.archivePath)).ino).not.toBe(firstInode);
    expect(await fs.readdir(scratch)).toEqual(["again.tar.gz"]);
  });

  it("removes the partial archive when aborted while tar runs", async () => {
    const folder = await incompressibleFolder();
    const scratch = await newScratch();
    const controller = new AbortController();
    let partialSeen = false;
    const error = await refusal(
      packFolder({
        folder,
        scratchPath: scratch,
        name: "aborted",
        compression: "zstd",
        threads: 1,
        signal: controller.signal,
        progressEveryBytes: 1024 * 1024,
        onProgress: () => {
          partialSeen = true;
          controller.abort();
        },
      }),
    );
    expect(partialSeen).toBe(true);
    expect(error.code).toBe("PACK_ABORTED");
    expect(error.message).toBe(`Packing ${folder} was aborted; no archive was kept`);
    expect(await fs.readdir(scratch)).toEqual([]);
    // tar's compressor outlives tar by a moment; nothing may reappear after it ends.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await fs.readdir(scratch)).toEqual([]);
  });

  it("removes the partial archive when aborted right after the start", async () => {
    const scratch = await newScratch();
    const controller = new AbortController();
    const packing = packFolder({
      folder: sample.folder,
      scratchPath: scratch,
      name: "aborted early",
      compression: "zstd",
      signal: controller.signal,
    });
    controller.abort();
    expect((await refusal(packing)).code).toBe("PACK_ABORTED");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await fs.readdir(scratch)).toEqual([]);
  });

  it("never leaves a partial archive, whenever the abort comes", async () => {
    const folder = await incompressibleFolder();
    const scratch = await newScratch();
    const outcomes: string[] = [];
    for (const delayMs of [0, 1, 2, 5, 10, 20, 40]) {
      const controller = new AbortController();
      const packing = packFolder({
        folder,
        scratchPath: scratch,
        name: `abort after ${delayMs} ms`,
        compression: "zstd",
        threads: 1,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), delayMs);
      outcomes.push(
        await packing.then(
          () => "packed",
          (error: PytarchiveError) => error.code,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await fs.readdir(scratch)).toEqual([]);
    }
    expect(outcomes).toEqual(Array(7).fill("PACK_ABORTED"));
  });

  it("refuses to start while a .partial of the same name exists, and start-up removes it", async () => {
    const scratch = await newScratch();
    const partial = path.join(scratch, "busy.tar.zst.partial");
    await fs.writeFile(partial, "half an archive");
    const error = await refusal(
      packFolder({
        folder: sample.folder,
        scratchPath: scratch,
        name: "busy",
        compression: "zstd",
      }),
    );
    expect(error.code).toBe("PARTIAL_ARCHIVE_EXISTS");
    expect(await fs.readFile(partial, "utf8")).toBe("half an archive");

    await fs.writeFile(path.join(scratch, "keep.tar.zst"), "a finished archive");
    expect(await removeLeftoverPartials(scratch)).toEqual([partial]);
    expect(await fs.readdir(scratch)).toEqual(["keep.tar.zst"]);
  });

  it("keeps no archive when files change while tar reads them (tar exit status 1)", async () => {
    const scratch = await newScratch();
    const tar = await fakeTar("tar: alpha/log.txt: file changed as we read it", 1);
    const error = await refusal(
      packFolder({
        folder: sample.folder,
        scratchPath: scratch,
        name: "changing",
        compression: "gzip",
        tarCommand: tar,
      }),
    );
    expect(error.code).toBe("FOLDER_CHANGED_WHILE_PACKING");
    expect(error.message).toBe(
      `Files in ${sample.folder} changed while they were being packed, so the archive was not kept:\n  tar: alpha/log.txt: file changed as we read it`,
    );
    expect(await fs.readdir(scratch)).toEqual([]);
  });

  it("says scratch_path is full when tar or the compressor reports ENOSPC", async () => {
    const scratch = await newScratch();
    const tar = await fakeTar(
      "zstd: error 70 : Write error : cannot write block : No space left on device",
      2,
    );
    const error = await refusal(
      packFolder({
        folder: sample.folder,
        scratchPath: scratch,
        name: "full",
        compression: "gzip",
        tarCommand: tar,
      }),
    );
    expect(error.code).toBe("SCRATCH_FULL");
    expect(error.hint).toBe(
      "Free space there, or set [General] scratch_path to a larger disk, then prepare again.",
    );
    expect(await fs.readdir(scratch)).toEqual([]);
  });

  it("gives up a pack that takes longer than allowed (PACK_TIMED_OUT) and keeps no archive", async () => {
    const scratch = await newScratch();
    const tar = writeShellScript(
      workFolder,
      `hanging-tar-${scratchCount}`,
      'if [ "$1" = "--version" ]; then echo "tar (GNU tar) 1.34"; exit 0; fi\nexec sleep 30',
    );
    const error = await refusal(
      packFolder({
        folder: sample.folder,
        scratchPath: scratch,
        name: "slow",
        compression: "gzip",
        tarCommand: tar,
        timeoutMs: 300,
      }),
    );
    expect(error.code).toBe("PACK_TIMED_OUT");
    expect(await fs.readdir(scratch)).toEqual([]);
  });
});

describe("packFolder refuses what it must not do", () => {
  it("refuses a scratch_path inside the folder and writes nothing there", async () => {
    const error = await refusal(
      packFolder({
        folder: sample.folder,
        scratchPath: path.join(sample.folder, "data"),
        name: "inside",
        compression: "gzip",
      }),
    );
    expect(error.code).toBe("SCRATCH_INSIDE_FOLDER");
    expect(await snapshotTree(sample.folder)).toEqual(sourceBefore);
  });

  it("refuses a scratch_path that does not exist", async () => {
    const missing = path.join(workFolder, "no scratch");
    const error = await refusal(
      packFolder({ folder: sample.folder, scratchPath: missing, name: "x", compression: "gzip" }),
    );
    expect(error.code).toBe("SCRATCH_PATH_MISSING");
    expect(error.message).toBe(`scratch_path ${missing} is not an existing folder`);
  });

  it.each([
    ["a/b", "a slash"],
    ["..", "a parent reference"],
    [".hidden", "a leading dot"],
    ["  ", "only spaces"],
  ])('refuses the archive name "%s" (%s)', async (name) => {
    const scratch = await newScratch();
    const error = await refusal(
      packFolder({ folder: sample.folder, scratchPath: scratch, name, compression: "gzip" }),
    );
    expect(error.code).toBe("ARCHIVE_NAME_INVALID");
    expect(await fs.readdir(scratch)).toEqual([]);
  });

  it("refuses a compression it does not know", async () => {
    const error = await refusal(
      packFolder({
        folder: sample.folder,
        scratchPath: await newScratch(),
        name: "x",
        compression: "xz" as "gzip",
      }),
    );
    expect(error.code).toBe("COMPRESSION_UNKNOWN");
    expect(error.hint).toBe("Choose one of: zstd, gzip.");
  });
});

describe("packFolder with awkward folder names", () => {
  it("packs a folder whose name starts with a dash as a name, not an option", async () => {
    const folder = path.join(workFolder, "-rf --files-from=x");
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, "ä ö ü.txt"), "umlauts\n");
    const scratch = await newScratch();
    const packed = await packFolder({
      folder,
      scratchPath: scratch,
      name: "dash name",
      compression: "zstd",
    });
    const target = await fs.mkdtemp(path.join(workFolder, "unpacked-"));
    await extractArchive(packed.archivePath, target);
    expect(await fs.readFile(path.join(target, "-rf --files-from=x", "ä ö ü.txt"), "utf8")).toBe(
      "umlauts\n",
    );
  });
});
