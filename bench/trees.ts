import { randomFillSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { TreeKey } from "./report.ts";

/** A generated project folder: where it is, its files (relative paths) and their total size. */
export interface BenchTree {
  readonly key: TreeKey;
  readonly root: string;
  readonly files: readonly string[];
  readonly bytes: number;
}

export interface TreeShape {
  readonly fileCount: number;
  /** Size of file `index`, in bytes. */
  sizeOf(index: number): number;
  /** Relative path of file `index` (its folder is created as needed). */
  pathOf(index: number): string;
}

const MiB = 1024 * 1024;

/** The trees; `scale` shrinks file counts and sizes (the suite's test uses a tiny one). */
export function treeShape(key: TreeKey, scale = 1): TreeShape {
  const count = (full: number) => Math.max(1, Math.round(full * scale));
  switch (key) {
    case "large": {
      const size = Math.max(1, Math.round(256 * MiB * scale));
      return { fileCount: 4, sizeOf: () => size, pathOf: (i) => `large-${i + 1}.bin` };
    }
    case "small":
      // 1–16 KiB, spread by a multiplicative hash; 100 folders of 200.
      return {
        fileCount: count(20_000),
        sizeOf: (i) => 1024 + ((i * 2_654_435_761) % (15 * 1024 + 1)),
        pathOf: (i) => `d${String(i % 100).padStart(3, "0")}/f${String(i).padStart(6, "0")}.dat`,
      };
    case "tiny":
      // 1–512 bytes; 1,000 folders of 200, two levels deep as projects are.
      return {
        fileCount: count(200_000),
        sizeOf: (i) => 1 + ((i * 2_654_435_761) % 512),
        pathOf: (i) => {
          const folder = i % 1000;
          return `p${String(folder % 10)}/q${String(folder).padStart(3, "0")}/t${String(i).padStart(6, "0")}.txt`;
        },
      };
  }
}

/** Bytes written, so a reused tree can be recognised as complete. */
const MARKER = ".bench-tree.json";

/**
 * Writes the tree under `root` from incompressible data (one random pool, each file cut at its
 * own offset), or reuses it when a previous run left the same tree complete there. The marker
 * file lives beside the tree, not in it, so pytarchive never sees it.
 */
export function makeTree(key: TreeKey, root: string, scale = 1): BenchTree {
  const shape = treeShape(key, scale);
  const files = Array.from({ length: shape.fileCount }, (_, i) => shape.pathOf(i));
  const bytes = files.reduce((sum, _file, i) => sum + shape.sizeOf(i), 0);
  const marker = `${root}${MARKER}`;
  const wanted = JSON.stringify({ key, scale, files: files.length, bytes });
  if (fs.existsSync(root) && readText(marker) === wanted) return { key, root, files, bytes };
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(marker, { force: true });
  fs.mkdirSync(root, { recursive: true });
  const pool = randomFillSync(Buffer.allocUnsafe(Math.min(16 * MiB, Math.max(MiB, bytes))));
  const folders = new Set<string>();
  files.forEach((relative, index) => {
    const file = path.join(root, relative);
    const folder = path.dirname(file);
    if (!folders.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      folders.add(folder);
    }
    writeFileFromPool(file, pool, shape.sizeOf(index), index);
  });
  fs.writeFileSync(marker, wanted);
  return { key, root, files, bytes };
}

function writeFileFromPool(file: string, pool: Buffer, size: number, index: number): void {
  const descriptor = fs.openSync(file, "w");
  try {
    let offset = (index * 7919 * 64) % pool.length;
    for (let written = 0; written < size; ) {
      // Large files would repeat the pool: stamp each chunk so that no two chunks are equal.
      pool.writeUInt32LE((index * 1_000_003 + written) >>> 0, offset % (pool.length - 4));
      const chunk = Math.min(size - written, pool.length - offset);
      fs.writeSync(descriptor, pool, offset, chunk);
      written += chunk;
      offset = 0;
    }
  } finally {
    fs.closeSync(descriptor);
  }
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}
