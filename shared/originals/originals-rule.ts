import { PytarchiveError } from "../errors/index.ts";

/*
 * The one rule that keeps originals read-only to pytarchive: nothing it writes (a restore) may
 * land in, on or around a folder the catalog knows as an original, or in its own scratch space;
 * and no folder is archived twice by preparing a folder inside or around one already in hand.
 * The gateway (which resolves symlinks on the file system) and the catalog (which knows every
 * folder, in the transaction that queues the job) both ask this module, so the rule lives once.
 */

/** Stable codes of the refusals below (listed with every command in services/gateway/README.md). */
export const ORIGINALS_CODES = {
  /** A restore target inside, equal to or around an original folder. */
  targetOverlapsOriginal: "TARGET_OVERLAPS_ORIGINAL",
  /** A restore target inside `scratch_path`. */
  targetInScratch: "TARGET_IN_SCRATCH",
  /** A restore target in or around the state folder or a drive's mount point (another tape). */
  targetOverlapsOwnFolder: "TARGET_OVERLAPS_PYTARCHIVE_FOLDER",
  /** A folder to prepare that is, is inside or contains scratch_path, the state folder or a mount point. */
  folderOverlapsOwnFolder: "FOLDER_OVERLAPS_PYTARCHIVE_FOLDER",
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

/**
 * The folders pytarchive itself writes into: `[General] scratch_path` (packed archives, packed
 * restores), `[Paths] state_dir` (catalog, NATS store, ledgers) and each `[Drive n] mount_point`
 * (a mounted tape). An empty string or list means "not known to this caller".
 */
export interface OwnFolders {
  readonly scratchPath: string;
  readonly stateFolder: string;
  readonly mountPoints: readonly string[];
}

interface OwnFolderEntry {
  readonly kind: "scratch" | "state" | "mount";
  readonly path: string;
  /** In the user's words, for the messages below. */
  readonly what: string;
  readonly setting: string;
}

/**
 * Each own folder that is known, scratch first (its refusal has its own code), the state folder
 * last: the others are often inside it, and the message names the nearest.
 */
function ownFolderList(own: OwnFolders): OwnFolderEntry[] {
  const list: OwnFolderEntry[] = [
    {
      kind: "scratch",
      path: own.scratchPath,
      what: "scratch folder",
      setting: "[General] scratch_path",
    },
    ...own.mountPoints.map(
      (path): OwnFolderEntry => ({
        kind: "mount",
        path,
        what: "tape mount point",
        setting: "a [Drive n] mount_point",
      }),
    ),
    { kind: "state", path: own.stateFolder, what: "state folder", setting: "[Paths] state_dir" },
  ];
  return list.filter((entry) => entry.path !== "");
}

/** Folder states that hold a folder for archiving: a nested prepare would archive it twice. */
const HELD_STATES = new Set(["preparing", "prepared", "archiving", "archived"]);

/**
 * Throws unless `target` (resolved, absolute) lies apart from every known original (whatever
 * its state: even a failed one is someone's data) and from every folder pytarchive writes into
 * itself (scratch, state folder, mount points).
 *
 * @example
 * const own = { scratchPath: "/var/tmp/pyt", stateFolder: "/var/lib/pytarchive", mountPoints: ["/ltfs1"] };
 * checkRestoreTarget("/srv/a/emptysub", [{ path: "/srv/a", state: "archived" }], own); // throws
 * checkRestoreTarget("/ltfs1/x", [], own); // throws: it would write onto the mounted tape
 */
export function checkRestoreTarget(
  target: string,
  originals: readonly KnownFolder[],
  own: OwnFolders,
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
  for (const place of ownFolderList(own)) {
    if (pathRelation(target, place.path) === "apart") continue;
    if (place.kind === "scratch") {
      throw new PytarchiveError(
        ORIGINALS_CODES.targetInScratch,
        `The restore target ${target} overlaps pytarchive's scratch folder ${place.path} (${place.setting}), where it keeps packed archives. Nothing was queued.`,
        { hint: "Restore into a new folder outside scratch_path, e.g. /srv/restore/NAME." },
      );
    }
    // A mount point holds another tape, the state folder the catalog: neither is a place to restore to.
    throw new PytarchiveError(
      ORIGINALS_CODES.targetOverlapsOwnFolder,
      `The restore target ${target} overlaps pytarchive's ${place.what} ${place.path} (${place.setting}); a restore there would write ${place.kind === "state" ? "among the catalog and queue files" : "onto the tape mounted there"}. Nothing was queued.`,
      {
        hint: "Restore into a new folder outside scratch_path, the state folder and the drives' mount points, e.g. /srv/restore/NAME.",
      },
    );
  }
}

/**
 * Throws when `folder` (resolved, absolute) is inside or contains another folder that is being
 * prepared, prepared, being archived or archived: its files would go to tape twice. The same
 * path is left to the caller, which has its own messages for it (already archived, prepared).
 *
 * @example
 * const own = { scratchPath: "/var/tmp/pyt", stateFolder: "/var/lib/pytarchive", mountPoints: ["/ltfs1"] };
 * checkFolderToPrepare("/srv/a/sub", [{ path: "/srv/a", state: "archived" }], own); // throws
 * checkFolderToPrepare("/var", [], own); // throws: it holds the scratch and state folders
 */
export function checkFolderToPrepare(
  folder: string,
  known: readonly KnownFolder[],
  own: OwnFolders,
): void {
  checkNotOwnFolder(folder, own);
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

/**
 * A folder pytarchive writes into is no original: preparing one that is, is inside or contains
 * scratch_path would have tar write its archive into the folder it reads (and the scratch
 * clean-up and packed restores change it later); the state folder changes with every job; a
 * mount point holds whatever tape is loaded.
 */
function checkNotOwnFolder(folder: string, own: OwnFolders): void {
  for (const place of ownFolderList(own)) {
    const relation = pathRelation(folder, place.path);
    if (relation === "apart") continue;
    const where =
      relation === "same"
        ? `is pytarchive's ${place.what}`
        : relation === "inside"
          ? `is inside pytarchive's ${place.what} ${place.path}`
          : `contains pytarchive's ${place.what} ${place.path}`;
    throw new PytarchiveError(
      ORIGINALS_CODES.folderOverlapsOwnFolder,
      `${folder} ${where} (${place.setting}), which pytarchive writes into itself; it cannot be archived as an original. Nothing was queued.`,
      {
        hint:
          relation === "contains"
            ? `Prepare the folders beside ${place.path} one by one, or move ${place.setting} out of ${folder}.`
            : `Archive the folders pytarchive reads, not its own; or move ${place.setting} elsewhere.`,
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
