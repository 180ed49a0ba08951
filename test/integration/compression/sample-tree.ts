import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";

/** The exclude_folders the sample tree is measured and packed with. */
export const SAMPLE_EXCLUDES = [".cache", "scratch data/tmp"] as const;

export interface SampleTree {
  /** The folder to prepare. Its name has a space and non-ASCII letters. */
  readonly folder: string;
  /** A folder beside it, with a large file, that a symbolic link inside points to. */
  readonly outside: string;
}

const MiB = 1024 * 1024;

async function write(file: string, content: string | Buffer, mode?: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content, mode === undefined ? {} : { mode });
}

/**
 * Builds, under `parent`, a project folder with what real project folders hold: nested folders,
 * a few large and many small files, empty files and folders, a sparse file, hard links, symbolic
 * links (one to a large folder outside, one dangling), a FIFO, odd modes, an old mtime, names
 * with spaces and Unicode, and folders that exclude_folders removes (`.cache`,
 * `scratch data/tmp`) beside look-alikes that it must keep (`.cache2`, `sub/.cache`).
 */
export async function makeSampleTree(parent: string): Promise<SampleTree> {
  const folder = path.join(parent, "Projekt Überblick 2024");
  const outside = path.join(parent, "outside big");
  await write(path.join(outside, "large.bin"), randomBytes(5 * MiB));

  await write(path.join(folder, "readme.txt"), "Sample project for pytarchive tests.\n");
  await write(path.join(folder, "empty.txt"), "");
  await fs.mkdir(path.join(folder, "empty folder"), { recursive: true });
  await write(path.join(folder, "data", "big.bin"), randomBytes(3 * MiB));
  await makeSparseFile(path.join(folder, "data", "sparse.img"), 64 * MiB);

  await write(path.join(folder, "data", "hard-1.bin"), randomBytes(256 * 1024));
  await fs.mkdir(path.join(folder, "other"), { recursive: true });
  await fs.link(path.join(folder, "data", "hard-1.bin"), path.join(folder, "data", "hard-2.bin"));
  await fs.link(path.join(folder, "data", "hard-1.bin"), path.join(folder, "other", "hard-3.bin"));

  await write(path.join(folder, "deep", "a", "b", "c", "d", "e", "leaf.txt"), "leaf\n");
  await write(path.join(folder, "names with spaces", "Résumé 2024 — final.txt"), "résumé\n");
  await write(path.join(folder, "names with spaces", "日本語のファイル.txt"), "こんにちは\n");
  await write(path.join(folder, "names with spaces", "emoji 🎉 [draft] *.md"), "party\n");

  await fs.mkdir(path.join(folder, "links"), { recursive: true });
  await fs.symlink("../readme.txt", path.join(folder, "links", "to-readme"));
  await fs.symlink("does/not/exist", path.join(folder, "links", "dangling"));
  await fs.symlink(outside, path.join(folder, "links", "to-outside"));

  await write(path.join(folder, "modes", "private.txt"), "secret\n", 0o600);
  await write(path.join(folder, "modes", "script.sh"), "#!/bin/sh\necho hi\n", 0o755);
  await write(path.join(folder, "modes", "locked", "inside.txt"), "inside\n");
  await fs.chmod(path.join(folder, "modes", "locked"), 0o700);

  const ancient = path.join(folder, "old", "ancient.txt");
  await write(ancient, "from 2001\n");
  await fs.utimes(ancient, new Date("2001-02-03T04:05:06Z"), new Date("2001-02-03T04:05:06Z"));

  for (let index = 0; index < 600; index += 1) {
    await write(
      path.join(folder, "many", `note-${String(index).padStart(4, "0")}.txt`),
      `${index}\n`,
    );
  }
  expectExit(await runCommand("mkfifo", [path.join(folder, "pipe")]));

  await write(path.join(folder, ".cache", "blob.bin"), randomBytes(MiB));
  await write(path.join(folder, ".cache", "nested", "more.bin"), randomBytes(64 * 1024));
  await write(path.join(folder, ".cache2", "keep.txt"), "kept: only .cache is excluded\n");
  await write(path.join(folder, "sub", ".cache", "keep.txt"), "kept: the exclude is anchored\n");
  await write(path.join(folder, "scratch data", "tmp", "junk.bin"), randomBytes(512 * 1024));
  await write(path.join(folder, "scratch data", "keep.txt"), "kept\n");
  return { folder, outside };
}

/** A file of `length` bytes with data only in two 4 KiB places; the rest are holes. */
async function makeSparseFile(file: string, length: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, "w");
  try {
    await handle.write(randomBytes(4096), 0, 4096, 0);
    await handle.write(randomBytes(4096), 0, 4096, length / 2);
    await handle.truncate(length);
  } finally {
    await handle.close();
  }
}
