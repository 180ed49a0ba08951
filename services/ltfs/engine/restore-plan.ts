import type { Stats } from "node:fs";
import { lstat, mkdir, readdir, rm, writeFile } from "node:fs/promises";
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

/**
 * The entries of `subfolder` as a folder of their own: its contents below paths relative to it,
 * the subfolder's own entry left out (its attributes go to the target). A restore of them into
 * TARGET puts the subfolder's contents directly in TARGET, as the original pytarchive did
 * (`restore -s SUB` copied `<folder>/SUB/` into TARGET). Refused when `subfolder` is a file.
 *
 * @example
 * rebaseOnSubfolder([{ path: "a", type: "directory" }, { path: "a/x.txt" }], "a")
 * // { root: { path: "a", … }, entries: [{ path: "x.txt" }] }
 */
export function rebaseOnSubfolder<T extends { readonly path: string; readonly type?: string }>(
  entries: readonly T[],
  subfolder: string,
): { root: T | null; entries: T[] } {
  const selected = selectSubtree(entries, subfolder);
  const root = selected.find((entry) => entry.path === subfolder) ?? null;
  if (root !== null && root.type !== "directory") {
    throw new RestoreSubfolderInvalidError(
      subfolder,
      "is a file, not a folder; give the folder that holds it",
    );
  }
  const prefix = subfolder.length + 1;
  return {
    root,
    entries: selected
      .filter((entry) => entry !== root)
      .map((entry) => ({ ...entry, path: entry.path.slice(prefix) })),
  };
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

/**
 * What the target holds now: nothing (it will be created), an empty folder, or the work of the
 * same restore job that was interrupted (its ownership marker is there), to be continued.
 */
export type TargetState = "missing" | "empty" | "owned";

/**
 * The hidden file a restore creates in its target before anything else, named after its job:
 * proof that what the target holds is this job's own unfinished work (an interrupted restore
 * continues into it) and not someone's files (which are never written over). Its name is the
 * proof, so creating it is one atomic step. Removed when the restore is complete.
 */
export function restoreOwnerMarker(owner: string): string {
  return `.pytarchive-restore-${owner}`;
}

/**
 * Refuses a target that is relative, a link, not a folder, or not empty (unless it holds the
 * ownership marker of `owner`, the restore job continuing into it); changes nothing.
 *
 * @example
 * await checkRestoreTarget("/srv/restore/ada") // "missing": restore will create it
 */
export async function checkRestoreTarget(
  target: string,
  owner: string | null = null,
): Promise<TargetState> {
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
  if (names.length === 0) return "empty";
  if (owner !== null && names.includes(restoreOwnerMarker(owner))) return "owned";
  throw new RestoreTargetNotEmptyError(target);
}

/**
 * Makes `target` the restore job `owner`'s own: creates it if missing and writes the ownership
 * marker before anything else is written, so that the job, interrupted at any point and run
 * again, finds its own work there. Returns what the target was.
 */
export async function claimRestoreTarget(target: string, owner: string): Promise<TargetState> {
  const state = await checkRestoreTarget(target, owner);
  if (state === "owned") return state;
  try {
    if (state === "missing") await mkdir(target, { recursive: true });
    await writeFile(path.join(target, restoreOwnerMarker(owner)), "", { flag: "wx", mode: 0o600 });
  } catch (error) {
    throw new RestoreTargetInvalidError(target, "the restore could not start writing there", error);
  }
  return state;
}

/** Removes the ownership marker once the restore is complete (the tree is then the original's). */
export async function releaseRestoreTarget(target: string, owner: string): Promise<void> {
  await rm(path.join(target, restoreOwnerMarker(owner)), { force: true });
}
