import { PytarchiveError } from "../errors/index.ts";

/*
 * The one rule that keeps originals read-only to pytarchive: nothing it writes (a restore) may
 * land in, on or around a folder the catalog knows as an original, or in its own scratch space;
 * and no folder is archived twice by preparing a folder inside or around one already in hand.
 * The gateway (which resolves symlinks on the file system) and the catalog (which knows every
 * folder, in the transaction that queues the job) both ask this module, so the rule lives once.
 */

/** Stable codes of the refusals below (notes/command-contract.md). */
export const ORIGINALS_CODES = {
  /** A restore target inside, equal to or around an original folder. */
  targetOverlapsOriginal: "TARGET_OVERLAPS_ORIGINAL",
  /** A restore target inside `scratch_path`. */
  targetInScratch: "TARGET_IN_SCRATCH",
  /** A folder to prepare inside or around a folder already prepared, queued or archived. */
  folderOverlapsOriginal: "FOLDER_OVERLAPS_ORIGINAL",
  /** A folder to prepare, or a restore target, overlapping where an unfinished restore writes. */
  overlapsRestoreTarget: "OVERLAPS_RESTORE_TARGET",
} as const;

/** How path `a` stands to path `b`: the same folder, inside it, containing it, or apart. */
export type PathRelation = "same" | "inside" | "contains" | "apart";

/**
 * Compares two absolute, normalised paths component by component (`/a/bc` is not inside `/a/b`).
 *
 * @example
 * pathRelation("/srv/a/sub", "/srv/a"); // "inside"
 * pathRelation("/srv/ab", "/srv/a"); // "apart"
 */
export function pathRelation(a: string, b: string): PathRelation {
  const left = parts(a);
  const right = parts(b);
  const common = Math.min(left.length, right.length);
  for (let i = 0; i < common; i++) if (left[i] !== right[i]) return "apart";
  if (left.length === right.length) return "same";
  return left.length > right.length ? "inside" : "contains";
}

function parts(path: string): string[] {
  return path.split("/").filter((part) => part !== "" && part !== ".");
}

/** A folder the catalog knows, with its state (preparing, prepared, archiving, archived, failed). */
export interface KnownFolder {
  readonly path: string;
  readonly state: string;
}

/** Folder states that hold a folder for archiving: a nested prepare would archive it twice. */
const HELD_STATES = new Set(["preparing", "prepared", "archiving", "archived"]);

/**
 * Throws unless `target` (resolved, absolute) lies apart from every known original (whatever
 * its state: even a failed one is someone's data) and outside `scratchPath`.
 *
 * @example
 * checkRestoreTarget("/srv/a/emptysub", [{ path: "/srv/a", state: "archived" }], "/var/tmp"); // throws
 */
export function checkRestoreTarget(
  target: string,
  originals: readonly KnownFolder[],
  scratchPath: string,
): void {
  for (const original of originals) {
    const relation = pathRelation(target, original.path);
    if (relation === "apart") continue;
    const where =
      relation === "same"
        ? `is the original folder ${original.path}`
        : relation === "inside"
          ? `is inside the original folder ${original.path}`
          : `contains the original folder ${original.path}`;
    throw new PytarchiveError(
      ORIGINALS_CODES.targetOverlapsOriginal,
      `The restore target ${target} ${where} (${original.state} in the catalog); pytarchive never writes into an original. Nothing was queued.`,
      {
        hint: "Restore into a new folder outside every archived or prepared folder, e.g. /srv/restore/NAME.",
      },
    );
  }
  if (scratchPath !== "" && pathRelation(target, scratchPath) !== "apart") {
    throw new PytarchiveError(
      ORIGINALS_CODES.targetInScratch,
      `The restore target ${target} overlaps pytarchive's scratch folder ${scratchPath} ([General] scratch_path), where it keeps packed archives. Nothing was queued.`,
      { hint: "Restore into a new folder outside scratch_path, e.g. /srv/restore/NAME." },
    );
  }
}

/**
 * Throws when `folder` (resolved, absolute) is inside or contains another folder that is being
 * prepared, prepared, being archived or archived: its files would go to tape twice. The same
 * path is left to the caller, which has its own messages for it (already archived, prepared).
 *
 * @example
 * checkFolderToPrepare("/srv/a/sub", [{ path: "/srv/a", state: "archived" }]); // throws
 */
export function checkFolderToPrepare(folder: string, known: readonly KnownFolder[]): void {
  for (const other of known) {
    if (!HELD_STATES.has(other.state)) continue;
    const relation = pathRelation(folder, other.path);
    if (relation !== "inside" && relation !== "contains") continue;
    throw new PytarchiveError(
      ORIGINALS_CODES.folderOverlapsOriginal,
      relation === "inside"
        ? `${folder} is inside ${other.path}, which is ${other.state}: its files would be archived twice. Nothing was queued.`
        : `${folder} contains ${other.path}, which is ${other.state}: its files would be archived twice. Nothing was queued.`,
      {
        hint:
          relation === "inside"
            ? `Archive ${other.path} as a whole (restore takes -s SUBFOLDER to get one part back).`
            : `Prepare the folders beside ${other.path} one by one, or abort the job of ${other.path} first (\`pytarchive queue\`).`,
      },
    );
  }
}

/** A restore that has not finished, and the folder it writes into. */
export interface PendingRestore {
  readonly jobId: string;
  readonly target: string;
}

/**
 * Throws when `path` (a folder to prepare, or another restore's target) is, is inside or
 * contains the target of a restore that has not finished: that folder is still being written,
 * so it is neither an original to archive nor free to write into.
 *
 * @example
 * checkNotBeingRestored("/srv/restore/a", [{ jobId: "3fa2b1c0", target: "/srv/restore/a" }], "folder"); // throws
 */
export function checkNotBeingRestored(
  path: string,
  restores: readonly PendingRestore[],
  what: "folder" | "restore target",
): void {
  for (const restore of restores) {
    const relation = pathRelation(path, restore.target);
    if (relation === "apart") continue;
    const where =
      relation === "same"
        ? "is the folder"
        : relation === "inside"
          ? `is inside ${restore.target},`
          : `contains ${restore.target},`;
    throw new PytarchiveError(
      ORIGINALS_CODES.overlapsRestoreTarget,
      `The ${what} ${path} ${where} where restore job ${restore.jobId} writes and has not finished. Nothing was queued.`,
      {
        hint: `Wait until job ${restore.jobId} is done (\`pytarchive queue\`), or abort it first.`,
      },
    );
  }
}
