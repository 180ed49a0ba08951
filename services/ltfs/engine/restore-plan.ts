import type { Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import type { ManifestEntry } from "../../../shared/manifest/index.ts";
import { relativePathProblem } from "../../../shared/manifest/index.ts";
import {
  errnoOf,
  RestoreEntryInvalidError,
  RestoreSubfolderInvalidError,
  RestoreSubfolderNotFoundError,
  RestoreTargetInvalidError,
  RestoreTargetNotEmptyError,
} from "./errors.ts";

/** A manifest entry with where LTFS put its data: from the catalog or from `readStartBlocks`. */
export interface RestoreEntry extends Omit<ManifestEntry, "uid" | "gid" | "type"> {
  /** Defaults to "file": the catalog's files table holds files only. */
  readonly type?: ManifestEntry["type"];
  readonly uid?: number;
  readonly gid?: number;
  /** `user.ltfs.startblock`; null when unknown (empty files have none). */
  readonly startBlock: number | null;
  /** `user.ltfs.partition` ("a" index, "b" data); null when unknown. */
  readonly partition: string | null;
}

/**
 * Checks `--subfolder` and returns it normalised ("data/run 3"); null for a whole-folder restore.
 *
 * @example
 * normaliseSubfolder("data/run 3/") // "data/run 3"
 * normaliseSubfolder("../etc")      // throws RestoreSubfolderInvalidError
 */
export function normaliseSubfolder(subfolder: string | null | undefined): string | null {
  if (subfolder === null || subfolder === undefined) return null;
  const trimmed = subfolder.replace(/\/+$/, "").replace(/^(\.\/)+/, "");
  if (trimmed === "" || trimmed === ".") {
    throw new RestoreSubfolderInvalidError(
      subfolder,
      "is empty; leave it out to restore the whole folder",
    );
  }
  const problem = relativePathProblem(trimmed);
  if (problem !== null) {
    throw new RestoreSubfolderInvalidError(
      subfolder,
      `${problem}; it must be a path inside the archived folder`,
    );
  }
  return trimmed;
}

/** The entries of `subfolder` (itself and everything below it), or all entries. */
export function selectSubtree<T extends { readonly path: string }>(
  entries: readonly T[],
  subfolder: string | null,
): T[] {
  if (subfolder === null) return [...entries];
  const prefix = `${subfolder}/`;
  const selected = entries.filter(
    (entry) => entry.path === subfolder || entry.path.startsWith(prefix),
  );
  if (selected.length === 0) throw new RestoreSubfolderNotFoundError(subfolder);
  return selected;
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Refuses entries that could write outside the target or could not be checked. */
export function checkRestoreEntries(entries: readonly RestoreEntry[]): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    const problem = relativePathProblem(entry.path);
    if (problem !== null) {
      throw new RestoreEntryInvalidError(entry.path, `its path ${problem}`);
    }
    if (seen.has(entry.path)) throw new RestoreEntryInvalidError(entry.path, "it is listed twice");
    seen.add(entry.path);
    const type = entry.type ?? "file";
    if (type === "file" && (entry.sha256 === null || !SHA256_PATTERN.test(entry.sha256))) {
      throw new RestoreEntryInvalidError(
        entry.path,
        "it has no SHA-256 checksum to check the restored copy against",
      );
    }
    if (type === "symlink" && !entry.linkTarget) {
      throw new RestoreEntryInvalidError(entry.path, "the symbolic link has no target");
    }
  }
}

/**
 * Files in the order they lie on the tape, so that the drive never seeks backwards: by
 * partition, then start block; files without a start block (empty ones, or attributes that
 * could not be read) last, in the order given (the manifest's write order).
 *
 * @example
 * orderForRestore([{ path: "b", startBlock: 9, partition: "b" }, { path: "a", startBlock: 5, partition: "b" }])
 *   .map((entry) => entry.path) // ["a", "b"]
 */
export function orderForRestore<
  T extends { readonly startBlock: number | null; readonly partition: string | null },
>(files: readonly T[]): T[] {
  const placed = files
    .map((file, index) => ({ file, index }))
    .filter(({ file }) => file.startBlock !== null && file.partition !== null);
  placed.sort((a, b) => {
    const partitionA = a.file.partition as string;
    const partitionB = b.file.partition as string;
    if (partitionA !== partitionB) return partitionA < partitionB ? -1 : 1;
    const blockA = a.file.startBlock as number;
    const blockB = b.file.startBlock as number;
    return blockA !== blockB ? blockA - blockB : a.index - b.index;
  });
  const unplaced = files.filter((file) => file.startBlock === null || file.partition === null);
  return [...placed.map(({ file }) => file), ...unplaced];
}

/** What the target holds now: nothing (it will be created) or an empty folder. */
export type TargetState = "missing" | "empty";

/**
 * Refuses a target that is relative, a link, not a folder, or not empty; changes nothing.
 *
 * @example
 * await checkRestoreTarget("/srv/restore/ada") // "missing": restore will create it
 */
export async function checkRestoreTarget(target: string): Promise<TargetState> {
  if (!path.isAbsolute(target)) {
    throw new RestoreTargetInvalidError(target, "the path is relative");
  }
  let stats: Stats;
  try {
    stats = await lstat(target);
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return "missing";
    throw new RestoreTargetInvalidError(target, "it cannot be examined", error);
  }
  if (stats.isSymbolicLink()) {
    throw new RestoreTargetInvalidError(target, "it is a symbolic link; give the real folder");
  }
  if (!stats.isDirectory()) throw new RestoreTargetInvalidError(target, "it is not a folder");
  let names: string[];
  try {
    names = await readdir(target);
  } catch (error) {
    throw new RestoreTargetInvalidError(target, "its contents cannot be listed", error);
  }
  if (names.length > 0) throw new RestoreTargetNotEmptyError(target);
  return "empty";
}
