import path from "node:path";
import { getAttribute } from "@napi-rs/xattr";

/** Where LTFS put a file's data: `user.ltfs.startblock` and `user.ltfs.partition`. */
export interface TapePlacement {
  /** The first block of the file's first extent; null when the attribute is missing. */
  readonly startBlock: number | null;
  /** "b" (data partition) or "a" (index partition); null when the attribute is missing. */
  readonly partition: string | null;
}

/** getxattr calls in flight at once; LTFS answers them from the index in memory. */
const CONCURRENCY = 32;

async function readAttribute(file: string, name: string): Promise<string | null> {
  try {
    const value = await getAttribute(file, name);
    return value === null ? null : value.toString("utf8").replace(/\0+$/, "").trim();
  } catch {
    // A file that is missing or unreadable has no known place; restore reports it itself.
    return null;
  }
}

/** Reads where one file lies on the tape. */
export async function readPlacement(file: string): Promise<TapePlacement> {
  const [block, partition] = await Promise.all([
    readAttribute(file, "user.ltfs.startblock"),
    readAttribute(file, "user.ltfs.partition"),
  ]);
  return {
    startBlock: block !== null && /^\d+$/.test(block) ? Number(block) : null,
    partition: partition === null || partition === "" ? null : partition,
  };
}

/**
 * Adds each file's LTFS start block and partition, read from the mounted tape; folders,
 * links and files whose attributes are missing (empty files have none) get null.
 *
 * @example
 * const entries = await readStartBlocks("/ltfs0/ada_project", manifest.entries);
 * entries[0] // { path: "a.dat", …, startBlock: 1042, partition: "b" }
 */
export async function readStartBlocks<T extends { readonly path: string; readonly type?: string }>(
  folderOnTape: string,
  entries: readonly T[],
): Promise<(T & TapePlacement)[]> {
  const results: (T & TapePlacement)[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const index = next++;
      const entry = entries[index] as T;
      const placement =
        (entry.type ?? "file") === "file"
          ? await readPlacement(path.join(folderOnTape, entry.path))
          : { startBlock: null, partition: null };
      results[index] = { ...entry, ...placement };
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));
  return results;
}
