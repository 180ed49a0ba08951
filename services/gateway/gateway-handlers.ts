import { basename, dirname, join } from "node:path";
import { mapLimited } from "../../shared/concurrency/index.ts";
import { describeDuration } from "../../shared/format/index.ts";
import { findTape, type LibraryStatus } from "../../shared/hardware/mtx/index.ts";
import type { CatalogJobKind, ClearDriveReply } from "../../shared/messages/index.ts";
import {
  type CommandReply,
  type CommandRequest,
  type CommandVerb,
  DEFAULT_EXPLORE_SECONDS,
  defaultTargetName,
  type TapeListing,
} from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import {
  checkFolderToPrepare,
  checkRestoreTarget,
  type KnownFolder,
  type OwnFolders,
} from "../../shared/originals/index.ts";
import {
  absolutePathOrThrow,
  barcodeOf,
  DEFAULT_EXPLORE_MAX_SECONDS,
  descriptionOrThrow,
  driveOrThrow,
  emailOrThrow,
  exploreSecondsOrThrow,
  jobIdOrThrow,
  lineOrThrow,
  listOrThrow,
  nameOrThrow,
  newPathOrThrow,
  priorityOrThrow,
  subfolderOrThrow,
} from "./check-arguments.ts";
import { toQueueJob } from "./describe-job.ts";
import { GATEWAY_ERROR_CODES as CODES, gatewayError } from "./gateway-errors.ts";
import { listHistory } from "./history.ts";
import { importLegacy } from "./import-legacy.ts";
import { type LiveLibrary, libraryView } from "./library-view.ts";
import { probeEmptyFolder, probePath, probeRealPath, probeRealPaths } from "./path-probe.ts";

/** How many paths `deleteable` looks at at once. */
const PROBES_AT_ONCE = 32;

/** Most folders, ids or prefixes one command may list: a bound on the work one request makes. */
const LIST_MAX = 1_000;

export interface GatewayDependencies {
  readonly catalog: CatalogClient;
  /** The library as the changer last read it, or null when the changer does not answer. */
  readonly readLibrary: () => Promise<LibraryStatus | null>;
  /** `[General] source_folders`: what `inventory` reports on when no folder is given. */
  readonly sourceFolders: readonly string[];
  /** A fresh `mtx status` with each drive's live state (`library`); absent: the verb refuses. */
  readonly readLiveLibrary?: () => Promise<LiveLibrary>;
  /** The library is the simulated one (`[Device] simulate`): its views say so. */
  readonly simulated?: boolean;
  /** Asks the changer to lift a drive's block; absent: the verb says the changer cannot be asked. */
  readonly clearDrive?: (drive: number) => Promise<ClearDriveReply>;
  /** How long one look at a path may take (a hung NFS mount never answers). Default 2 s. */
  readonly pathTimeoutMs?: number;
  /** How paths are looked at; the real file system by default (tests pass a hung mount). */
  readonly probes?: PathProbes;
  /** `[General] scratch_path`: no restore may write into it, no prepare may read it. */
  readonly scratchPath?: string;
  /** `[Paths] state_dir`: pytarchive's own, never an original nor a restore target. */
  readonly stateFolder?: string;
  /** Each drive's mount point: a restore there would write onto another tape. */
  readonly mountPoints?: readonly string[];
  /** `[Export] max_seconds`: the longest `explore`; default 7 days. */
  readonly exploreMaxSeconds?: number;
}

export interface PathProbes {
  readonly path: typeof probePath;
  readonly emptyFolder: typeof probeEmptyFolder;
  /** Resolves symlinks; the real `realpath -m` when absent. */
  readonly realPath?: typeof probeRealPath;
  /** Resolves many paths (the catalog's originals); the real `realpath -m` when absent. */
  readonly realPaths?: typeof probeRealPaths;
}

export type GatewayHandlers = {
  readonly [V in CommandVerb]: (request: CommandRequest<V>) => Promise<CommandReply<V>>;
};

/**
 * One handler per CLI verb. Every argument is checked before the catalog is asked to write
 * anything; what only the catalog can check (folder states, tapes, names, room) it checks in the
 * same transaction as the insert.
 *
 * @example
 * const handlers = createGatewayHandlers({ catalog, readLibrary: async () => null, sourceFolders: [] });
 * await handlers.archive({ folder: "/srv/projects/alpha", tape: "AAK788L9" }); // { jobId, message: "queued as …" }
 */
export function createGatewayHandlers(deps: GatewayDependencies): GatewayHandlers {
  const timeoutMs = deps.pathTimeoutMs ?? 2_000;
  const { catalog } = deps;
  const probes = deps.probes ?? { path: probePath, emptyFolder: probeEmptyFolder };
  const realPath = probes.realPath ?? probeRealPath;
  const realPaths = probes.realPaths ?? probeRealPaths;
  const exploreMaxSeconds = deps.exploreMaxSeconds ?? DEFAULT_EXPLORE_MAX_SECONDS;

  const queueJob = async (
    kind: CatalogJobKind,
    args: Record<string, unknown>,
    priority: number | undefined,
  ) => {
    const { job } = await catalog.call("job-create", {
      kind,
      args,
      ...(priority === undefined ? {} : { priority }),
    });
    return { jobId: job.id, message: `queued as ${job.id}` };
  };

  /**
   * The path with the symlinks of its existing part resolved, so that the originals rule
   * compares where things really are (a link to an original is the original).
   */
  const resolvedOrThrow = async (path: string): Promise<string> => {
    const found = await realPath(path, timeoutMs);
    if (found.kind === "resolved") return found.path;
    throw unreachable(path, found);
  };

  /** A configured folder with its symlinks resolved; as configured when it cannot be looked at. */
  const resolvedOrAsIs = async (path: string): Promise<string> => {
    if (path === "") return path;
    const found = await realPath(path, timeoutMs);
    return found.kind === "resolved" ? found.path : path;
  };

  /**
   * pytarchive's own folders where they really are. A mount point's parent is resolved, not the
   * mount point itself: looking at a busy LTFS mount may wait on the tape.
   */
  const ownFolders = async (): Promise<OwnFolders> => ({
    scratchPath: await resolvedOrAsIs(deps.scratchPath ?? ""),
    stateFolder: await resolvedOrAsIs(deps.stateFolder ?? ""),
    mountPoints: await Promise.all(
      (deps.mountPoints ?? []).map(async (mountPoint) =>
        join(await resolvedOrAsIs(dirname(mountPoint)), basename(mountPoint)),
      ),
    ),
  });

  /**
   * An archived folder as the catalog knows it. Rows written before the gateway resolved
   * symlinks hold the path as given (/data/link/A where /data/link → /srv): the resolved form is
   * looked up, then the given one; the first the catalog has archived (else knows) is used.
   */
  const catalogFolderForm = async (value: string, what: string): Promise<string> => {
    const given = absolutePathOrThrow(value, what);
    const resolved = await resolvedOrThrow(given);
    if (resolved === given) return given;
    const [byResolved, byGiven] = await Promise.all(
      [resolved, given].map(async (path) => (await catalog.call("folder-get", { path })).folder),
    );
    if (byResolved?.state !== "archived" && byGiven?.state === "archived") return given;
    if (byResolved == null && byGiven != null) return given;
    return resolved;
  };

  /**
   * The catalog's originals, each as stored and, where it differs, with its symlinks resolved
   * now: older rows were stored unresolved, and a target is compared resolved. A stored path
   * that cannot be resolved in time is compared as stored (the catalog checks that form too).
   */
  const originalsBothForms = async (): Promise<KnownFolder[]> =>
    bothForms((await catalog.call("folders-list", {})).folders);

  /** Each folder as given and, where it differs, with its symlinks resolved now. */
  const bothForms = async (folders: readonly KnownFolder[]): Promise<KnownFolder[]> => {
    const resolved = await realPaths(
      folders.map((folder) => folder.path),
      timeoutMs,
    );
    return folders.flatMap((folder, index) => {
      const real = resolved[index];
      return real == null || real === folder.path ? [folder] : [folder, { ...folder, path: real }];
    });
  };

  /**
   * The originals rule for restore targets, with the originals looked up once: each target is
   * resolved (a symlink or a link in its parents reaches where it really is) and refused when
   * it lies in, on or around an original — of the catalog, or one of `more`, about to be
   * recorded with it — or a folder pytarchive writes into. Resolves to the resolved target.
   */
  const restoreTargetRule = async (
    more: readonly KnownFolder[] = [],
  ): Promise<(target: string) => Promise<string>> => {
    const originals = [...(await originalsBothForms()), ...(await bothForms(more))];
    const own = await ownFolders();
    return async (value) => {
      const target = await resolvedOrThrow(value);
      checkRestoreTarget(target, originals, own);
      return target;
    };
  };

  const existingFolderOrThrow = async (value: string, what: string): Promise<string> => {
    const path = await resolvedOrThrow(absolutePathOrThrow(value, what));
    const found = await probes.path(path, timeoutMs);
    switch (found.kind) {
      case "folder":
        return path;
      case "missing":
        throw gatewayError(
          CODES.folderNotFound,
          `The ${what} ${path} does not exist.`,
          "Check the spelling; `ls -d PATH` on this server shows whether it is there.",
        );
      case "other":
        throw gatewayError(
          CODES.notAFolder,
          `The ${what} ${path} is not a folder.`,
          "pytarchive archives whole folders; give the folder that contains it.",
        );
      default:
        throw unreachable(path, found);
    }
  };

  const folderToArchiveOrThrow = async (value: string): Promise<string> => {
    const path = await existingFolderOrThrow(value, "folder");
    if (path === "/") {
      throw gatewayError(
        CODES.invalidArgument,
        "The root folder / cannot be archived.",
        "Give the project folder itself, e.g. /srv/projects/alpha.",
      );
    }
    // The catalog checks the originals (it knows them); pytarchive's own folders are checked
    // here too, resolved, in case one is reached through a symlink.
    checkFolderToPrepare(path, [], await ownFolders());
    return path;
  };

  const restoreTargetOrThrow = async (value: string): Promise<string> => {
    // The catalog checks the originals as stored; here they are compared resolved too, and
    // scratch_path, the state folder and the mount points, in case one is reached by a symlink.
    const target = await (await restoreTargetRule())(newPathOrThrow(value, "restore target"));
    const found = await probes.path(target, timeoutMs);
    if (found.kind === "missing") {
      // A new target is created by the restore; its parent must exist.
      await existingFolderOrThrow(dirname(target), "folder to restore into");
      return target;
    }
    if (found.kind === "other") {
      throw gatewayError(
        CODES.notAFolder,
        `The restore target ${target} exists and is not a folder.`,
        "Give an empty folder, or a path that does not exist yet.",
      );
    }
    if (found.kind !== "folder") throw unreachable(target, found);
    const content = await probes.emptyFolder(target, timeoutMs);
    if (content.kind === "empty") return target;
    if (content.kind === "not-empty") {
      throw gatewayError(
        CODES.targetNotEmpty,
        `The restore target ${target} is not empty; pytarchive restores only into an empty or new folder, so that nothing is overwritten.`,
        "Give an empty folder, or a path that does not exist yet, e.g. /srv/restore/alpha.",
      );
    }
    throw unreachable(target, content);
  };

  return {
    prepare: async (request) => {
      const priority = priorityOrThrow(request.priority);
      const folder = await folderToArchiveOrThrow(request.folder);
      const description = descriptionOrThrow(request.description);
      return queueJob("prepare", { folder, description, compress: request.compress }, priority);
    },

    archive: async (request) => {
      const priority = priorityOrThrow(request.priority);
      const folder = await folderToArchiveOrThrow(request.folder);
      const targetName = nameOrThrow(request.targetName ?? defaultTargetName(folder));
      return queueJob("archive", { folder, tape: barcodeOf(request.tape), targetName }, priority);
    },

    restore: async (request) => {
      const priority = priorityOrThrow(request.priority);
      // The original may be gone (that is why one restores): only its form is checked here,
      // and the symlinks of the part that exists resolved; the catalog checks that it is archived.
      const folder = await catalogFolderForm(request.folder, "archived folder");
      const subfolder =
        request.subfolder === undefined ? undefined : subfolderOrThrow(request.subfolder);
      const target = await restoreTargetOrThrow(request.target);
      return queueJob(
        "restore",
        { folder, target, ...(subfolder === undefined ? {} : { subfolder }) },
        priority,
      );
    },

    explore: async (request) => {
      const priority = priorityOrThrow(request.priority);
      const email = request.email === undefined ? undefined : emailOrThrow(request.email);
      return queueJob(
        "explore",
        {
          tape: barcodeOf(request.tape),
          seconds: exploreSecondsOrThrow(
            request.seconds ?? Math.min(DEFAULT_EXPLORE_SECONDS, exploreMaxSeconds),
            exploreMaxSeconds,
          ),
          ...(email === undefined ? {} : { email }),
        },
        priority,
      );
    },

    inventory: async (request) => {
      const priority = priorityOrThrow(request.priority);
      const given = listOrThrow(request.folders ?? deps.sourceFolders, "folders", LIST_MAX);
      if (given.length === 0) {
        throw gatewayError(
          CODES.invalidArgument,
          "No folders to take an inventory of: none were given and [General] source_folders is empty.",
          "Name the folders (`pytarchive inventory /srv/homes`), or set source_folders in pytarchive.conf.",
        );
      }
      const folders: string[] = [];
      for (const folder of given) folders.push(await existingFolderOrThrow(folder, "folder"));
      return queueJob("inventory", { folders: [...new Set(folders)] }, priority);
    },

    verify: async (request) => {
      const priority = priorityOrThrow(request.priority);
      const value = request.target.trim();
      if (value.includes("/") && !value.startsWith("/")) absolutePathOrThrow(value, "folder");
      const target = value.startsWith("/")
        ? await catalogFolderForm(value, "folder")
        : barcodeOf(value);
      return queueJob(
        "verify",
        { target, ...(request.adopt === true ? { adopt: true } : {}) },
        priority,
      );
    },

    "import-tape": async (request) => {
      const priority = priorityOrThrow(request.priority);
      const given = listOrThrow(request.tapes ?? [], "tapes", LIST_MAX).map(barcodeOf);
      if ((request.all === true) === given.length > 0) {
        throw gatewayError(
          CODES.invalidArgument,
          request.all === true
            ? "Give either tape barcodes or --all, not both."
            : "Give the barcodes of the tapes to import, or --all.",
          "`pytarchive tapes` lists the tapes in the library; `pytarchive import-tape --all` imports every one.",
        );
      }
      const tapes =
        request.all === true
          ? (await catalog.call("tapes-list", {})).tapes
              .filter(
                (tape) => !tape.cleaning && tape.state !== "retired" && tape.homeSlot !== null,
              )
              .map((tape) => tape.barcode)
          : [...new Set(given)];
      const jobs: { tape: string; jobId: string }[] = [];
      for (const tape of tapes) {
        jobs.push({ tape, jobId: (await queueJob("import-tape", { tape }, priority)).jobId });
      }
      return {
        jobs,
        message:
          jobs.length === 0
            ? "no data tapes in the library: nothing to import"
            : `queued ${jobs.map((job) => `${job.tape} as ${job.jobId}`).join(", ")}`,
      };
    },

    queue: async () => {
      const queue = await catalog.call("queue", {});
      return {
        running: queue.running.map(toQueueJob),
        queued: queue.queued.map(toQueueJob),
        failed: queue.failed.map(toQueueJob),
        recent: (queue.recent ?? []).map(toQueueJob),
      };
    },

    summary: () => catalog.call("summary", {}),

    deleteable: async (request) => {
      const ignore = listOrThrow(request.ignore ?? [], "prefixes to ignore", LIST_MAX).map(
        (prefix) => lineOrThrow(prefix, "ignored prefix"),
      );
      const { folders } = await catalog.call("deleteable-candidates", { ignore });
      // A few looks at a time: each is a process, and a catalog may hold thousands of folders.
      const looks = await mapLimited(folders, PROBES_AT_ONCE, (folder) =>
        probes.path(folder.path, timeoutMs),
      );
      const deleteable: CommandReply<"deleteable">["deleteable"] = [];
      const unchecked: CommandReply<"deleteable">["unchecked"] = [];
      // Only on simulated tapes: a loop image is no copy, so never safe to delete; listed apart.
      const simulatedOnly: CommandReply<"deleteable">["simulatedOnly"] = [];
      folders.forEach((folder, index) => {
        const found = looks[index];
        if (found === undefined || found.kind === "missing") return;
        if (found.kind === "folder" || found.kind === "other") {
          const { simulated, ...listed } = folder;
          (simulated ? simulatedOnly : deleteable).push(listed);
        } else {
          unchecked.push({
            path: folder.path,
            tape: folder.tape,
            reason:
              found.kind === "timeout"
                ? `timed out after ${describeDuration(found.timeoutMs)}`
                : found.reason,
          });
        }
      });
      return { deleteable, unchecked, simulatedOnly };
    },

    "clear-drive": async ({ drive }) => {
      if (deps.clearDrive === undefined) {
        throw gatewayError(
          CODES.invalidArgument,
          "This gateway cannot reach the changer to clear a drive.",
          "Run the gateway with the other services (`npm start`).",
        );
      }
      const reply = await deps.clearDrive(driveOrThrow(drive));
      return {
        drive,
        wasBlocked: reply.wasBlocked,
        reason: reply.previousBlock?.reason ?? null,
        message: reply.wasBlocked
          ? `drive ${drive} cleared: it takes tape moves again (it was blocked since ${reply.previousBlock?.at ?? "?"}: ${reply.previousBlock?.reason ?? "no reason recorded"})`
          : `drive ${drive} was not blocked; nothing changed`,
      };
    },
    tapes: async () => {
      const [{ tapes }, library] = await Promise.all([
        catalog.call("tapes-list", {}),
        deps.readLibrary().catch(() => null),
      ]);
      return {
        tapes: tapes.map((tape): TapeListing => {
          const where = library === null ? null : findTape(library, tape.barcode);
          return {
            barcode: tape.barcode,
            location: where !== null ? where.kind : library === null ? "unknown" : "absent",
            slot: where?.kind === "slot" ? where.slot : null,
            drive: where?.kind === "drive" ? where.drive : null,
            cleaning: tape.cleaning,
            simulated: tape.simulated,
            state: tape.state,
            usedKiB: tape.usedKiB,
            capacityKiB: tape.capacityKiB,
          };
        }),
      };
    },

    requeue: async (request) => {
      const ids = listOrThrow(request.ids ?? [], "task ids", LIST_MAX).map(jobIdOrThrow);
      if ((request.all === true) === ids.length > 0) {
        throw gatewayError(
          CODES.invalidArgument,
          request.all === true
            ? "Give either task ids or --all, not both."
            : "Give the ids of the failed tasks to requeue, or --all.",
          "`pytarchive queue` lists failed tasks with their ids; `pytarchive requeue --all` requeues every one.",
        );
      }
      const { requeued, skipped } = await catalog.call(
        "jobs-requeue",
        request.all === true ? { all: true } : { ids },
      );
      return { requeued: requeued.map((job) => job.id), ...skippedIds(skipped) };
    },

    abort: async (request) => {
      const { aborted, stopRequested, tooLate, skipped } = await catalog.call("jobs-abort", {
        ids: listOrThrow(request.ids, "task ids", LIST_MAX).map(jobIdOrThrow),
      });
      return {
        aborted: aborted.map((job) => job.id),
        stopRequested: stopRequested.map((job) => job.id),
        // Past the point of no return (an archive: folder read back and recorded) the job ends
        // done; the caller is told so, not "aborted".
        tooLate: (tooLate ?? []).map((job) => ({
          id: job.id,
          message: `too late: ${job.kind === "archive" ? "archived" : "done"}`,
        })),
        ...skippedIds(skipped),
      };
    },

    history: (request) => listHistory(catalog, request),

    "import-legacy": (request) =>
      importLegacy(catalog, request, { exploreMaxSeconds, restoreTargetRule }),
    job: async (request) => {
      const id = jobIdOrThrow(request.id);
      const { job } = await catalog.call("job-get", { id });
      if (job === null) {
        throw gatewayError(
          "UNKNOWN_JOB",
          `There is no task ${id}.`,
          "`pytarchive queue` lists the tasks with their ids; `pytarchive history` the finished ones.",
        );
      }
      return { job: toQueueJob(job) };
    },

    library: () => {
      if (deps.readLiveLibrary === undefined) {
        throw gatewayError(
          "CHANGER_UNAVAILABLE",
          "This gateway cannot reach the changer to show the library.",
          "Run the gateway with the other services (`npm start`).",
        );
      }
      return libraryView({
        readLiveLibrary: deps.readLiveLibrary,
        catalog,
        simulated: deps.simulated === true,
      });
    },
  };
}

function unreachable(
  path: string,
  found: { kind: "timeout"; timeoutMs: number } | { kind: "error"; reason: string },
) {
  return gatewayError(
    CODES.pathUnreachable,
    found.kind === "timeout"
      ? `Could not check ${path}: no answer within ${describeDuration(found.timeoutMs)} (a hung network mount?).`
      : `Could not check ${path}: ${found.reason}.`,
    found.kind === "timeout"
      ? "Check that its file server answers (`ls PATH` on this server), then try again."
      : "The gateway runs as root and must be able to read it; check the mount and its permissions.",
  );
}

/**
 * The ids abort or requeue left alone, with why; absent when there are none, so a reply where every
 * id was acted on keeps the shape scripts already read.
 */
function skippedIds(
  skipped:
    | readonly { readonly id: string; readonly code: string; readonly reason: string }[]
    | undefined,
): { skipped?: { id: string; code: string; message: string }[] } {
  if (skipped === undefined || skipped.length === 0) return {};
  return { skipped: skipped.map(({ id, code, reason }) => ({ id, code, message: reason })) };
}
