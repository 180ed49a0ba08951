import { createHash } from "node:crypto";
import { mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";

export interface SampleTreeOptions {
  /** Number of large files (default 3). */
  readonly largeFiles?: number;
  /** Size of each large file in bytes (default 8 MiB). */
  readonly largeFileBytes?: number;
  /** Number of small files, spread over nested folders (default 200). */
  readonly smallFiles?: number;
}

/** What a sample tree holds, for the demo's messages. */
export interface SampleTree {
  readonly root: string;
  readonly files: number;
  readonly bytes: number;
  /** Folders below the root that `[General] exclude_folders` must name to keep them off tape. */
  readonly excluded: readonly string[];
}

/** Deterministic bytes: the same tree on every run, different content in every file. */
function bytesFor(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash("sha256").update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset, 0, Math.min(block.length, size - offset));
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

/**
 * Makes a project folder like the ones pytarchive archives: nested folders, a few large and many
 * small files, empty files and an empty folder, names with spaces and Unicode, a symbolic link,
 * and a `.cache` folder that the configuration excludes. Modification times are set in the past
 * (deepest first, so that creating a child does not change its folder's time again).
 *
 * @example
 * const tree = await makeSampleTree("/srv/projects/2024/demo");
 */
export async function makeSampleTree(
  root: string,
  options: SampleTreeOptions = {},
): Promise<SampleTree> {
  const largeFiles = options.largeFiles ?? 3;
  const largeFileBytes = options.largeFileBytes ?? 8 * 1024 * 1024;
  const smallFiles = options.smallFiles ?? 200;
  const written: { file: string; bytes: number }[] = [];
  const folders = new Set<string>([root]);
  const write = async (relative: string, content: Buffer) => {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    for (let dir = path.dirname(file); dir.startsWith(root); dir = path.dirname(dir)) {
      folders.add(dir);
    }
    await writeFile(file, content);
    written.push({ file, bytes: content.length });
  };

  for (let index = 0; index < largeFiles; index++) {
    await write(`raw data/scan ${index + 1}.bin`, bytesFor(`large-${index}`, largeFileBytes));
  }
  for (let index = 0; index < smallFiles; index++) {
    const group = `analysis/run-${String(index % 7).padStart(2, "0")}/step ${index % 3}`;
    const size = 100 + ((index * 7919) % 20_000);
    await write(`${group}/result-${index}.csv`, bytesFor(`small-${index}`, size));
  }
  await write("notes/Übersicht – Größen.txt", Buffer.from("Grüße aus dem Labor: µm, °C, ½\n"));
  await write("notes/日本語のメモ.md", Buffer.from("# 実験ノート\n"));
  await write("notes/empty file.txt", Buffer.alloc(0));
  await write("analysis/.hidden-empty", Buffer.alloc(0));
  await write(".cache/thumbnails/thumb-1.png", bytesFor("cache", 4096));
  await mkdir(path.join(root, "empty folder"), { recursive: true });
  folders.add(path.join(root, "empty folder"));
  await symlink("../raw data/scan 1.bin", path.join(root, "notes/latest scan"));

  // Times in the past, files first, then folders deepest first.
  const base = Date.UTC(2024, 2, 14, 9, 26, 53) / 1000;
  for (const [index, { file }] of written.entries()) {
    const when = base + index * 61.25;
    await utimes(file, when, when);
  }
  const deepestFirst = [...folders].sort((a, b) => b.split("/").length - a.split("/").length);
  for (const [index, folder] of deepestFirst.entries()) {
    const when = base + 1_000_000 + index * 3_600;
    await utimes(folder, when, when);
  }
  return {
    root,
    files: written.length,
    bytes: written.reduce((sum, entry) => sum + entry.bytes, 0),
    excluded: [".cache"],
  };
}
