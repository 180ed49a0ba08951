import path from "node:path";
import { TIMED_OUT, withinTime } from "../../../shared/concurrency/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { CommandNotStartedError } from "../../../shared/exec/index.ts";
import { describeDuration, messageOf } from "../../../shared/format/index.ts";
import { AGE_GROUPS, ageGroupOf, DAY_MS } from "./age-groups.ts";
import { duProbe, type FolderProbe, summarizeProblems } from "./folder-probe.ts";
import { INVENTORY_ERROR_CODES as CODES } from "./inventory-errors.ts";
import type {
  InventoryReport,
  InventoryTotals,
  MeasuredSubfolder,
  SourceInventory,
  UnreadableSubfolder,
} from "./inventory-report.ts";

export interface InventoryProgress {
  /** Subfolders finished (measured or found unreadable). */
  readonly done: number;
  /** Subfolders found in all source folders that could be listed. */
  readonly total: number;
  /** The subfolder just finished. */
  readonly current: string;
}

export interface TakeInventoryOptions {
  /** Absolute paths of the source folders whose subfolders are reported. */
  readonly folders: readonly string[];
  /** Ages are taken against this. Default: now. */
  readonly now?: Date;
  /**
   * How long a source folder's listing, and a subfolder's first answer (its mtime), may take;
   * longer means a hung mount: the folder is listed as not answering and the report goes on.
   */
  readonly timeoutMs: number;
  /**
   * How long `du` may take for one subfolder that did answer. Much longer than timeoutMs: a
   * healthy folder with millions of files takes minutes. Default: DEFAULT_SIZE_TIMEOUT_MS.
   */
  readonly sizeTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Called after each subfolder. */
  readonly onProgress?: (progress: InventoryProgress) => void;
  /** Subfolders examined at once. Default: DEFAULT_CONCURRENCY. */
  readonly concurrency?: number;
  /** How the file system is examined. Default: duProbe (readdir, `stat`, `du -sk`). */
  readonly probe?: FolderProbe;
}

export const DEFAULT_SIZE_TIMEOUT_MS = 60 * 60_000;
/** du waits on the disk or the network, not on the CPU; a few at once keep both busy. */
export const DEFAULT_CONCURRENCY = 4;

interface Subfolder {
  readonly source: number;
  readonly path: string;
  readonly name: string;
}

type Outcome<T> = { readonly value: T } | { readonly reason: string };

/**
 * Size (as `du -s`) and last change (the folder's own mtime) of every direct subfolder of the
 * source folders, grouped by age. Nothing is fatal to the report but an abort or a missing
 * `du`/`stat`: a source folder that cannot be listed, or a subfolder that cannot be read or does
 * not answer in time (a hung NFS mount), is listed with the reason, and the others go on.
 * Throws PATH_NOT_ABSOLUTE, INVENTORY_ABORTED, or COMMAND_NOT_FOUND.
 *
 * @example
 * const report = await takeInventory({ folders: ["/srv/home"], timeoutMs: 10_000 });
 * report.sources[0].groups[0]; // { id: "older-than-2-years", subfolders: [...], totalKiB: … }
 */
export async function takeInventory(options: TakeInventoryOptions): Promise<InventoryReport> {
  const folders = checkFolders(options.folders);
  const timeoutMs = checkDuration(options.timeoutMs, "timeoutMs");
  const sizeTimeoutMs = checkDuration(
    options.sizeTimeoutMs ?? DEFAULT_SIZE_TIMEOUT_MS,
    "sizeTimeoutMs",
  );
  const now = options.now ?? new Date();
  const probe = options.probe ?? duProbe;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  // Aborted by the caller, or by us when du or stat is missing: then every worker stops.
  const fatal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, fatal.signal]) : fatal.signal;

  const bounded = async <T>(
    work: (ownSignal: AbortSignal) => Promise<T>,
    limitMs: number,
    timeoutReason: string,
  ): Promise<Outcome<T>> => {
    try {
      const result = await withinTime(work, limitMs, signal);
      return result === TIMED_OUT ? { reason: timeoutReason } : { value: result };
    } catch (error) {
      if (error instanceof CommandNotStartedError) fatal.abort(error);
      if (signal.aborted) throw error;
      return { reason: describeError(error) };
    }
  };
  const notAnswering = `did not answer within ${describeDuration(timeoutMs)}`;

  try {
    const listings = await Promise.all(
      folders.map((folder) =>
        bounded((own) => probe.listSubfolders(folder, own), timeoutMs, notAnswering),
      ),
    );
    const subfolders: Subfolder[] = listings.flatMap((listing, source) =>
      "value" in listing
        ? listing.value.map((name) => ({
            source,
            name,
            path: path.join(folders[source] as string, name),
          }))
        : [],
    );

    const measureOne = async (
      subfolder: Subfolder,
    ): Promise<MeasuredSubfolder | UnreadableSubfolder> => {
      const unreadable = (fields: Omit<UnreadableSubfolder, "path" | "name">) => ({
        path: subfolder.path,
        name: subfolder.name,
        ...fields,
      });
      const changed = await bounded(
        (own) => probe.lastChange(subfolder.path, own),
        timeoutMs,
        notAnswering,
      );
      if ("reason" in changed) {
        return unreadable({ reason: changed.reason, partialSizeKiB: null, lastChange: null });
      }
      const lastChange = changed.value.toISOString();
      const usage = await bounded(
        (own) => probe.diskUsage(subfolder.path, own),
        sizeTimeoutMs,
        `du did not finish within ${describeDuration(sizeTimeoutMs)}`,
      );
      if ("reason" in usage) {
        return unreadable({ reason: usage.reason, partialSizeKiB: null, lastChange });
      }
      if (usage.value.problems.length > 0) {
        return unreadable({
          reason: summarizeProblems(usage.value.problems),
          partialSizeKiB: usage.value.sizeKiB,
          lastChange,
        });
      }
      return {
        path: subfolder.path,
        name: subfolder.name,
        sizeKiB: usage.value.sizeKiB,
        lastChange,
        ageDays: Math.max(0, Math.floor((now.getTime() - changed.value.getTime()) / DAY_MS)),
      };
    };

    const results: (MeasuredSubfolder | UnreadableSubfolder)[] = new Array(subfolders.length);
    let next = 0;
    let done = 0;
    const worker = async () => {
      for (let index = next++; index < subfolders.length; index = next++) {
        const subfolder = subfolders[index] as Subfolder;
        results[index] = await measureOne(subfolder);
        done += 1;
        options.onProgress?.({ done, total: subfolders.length, current: subfolder.path });
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(concurrency, subfolders.length) }, () => worker()),
    );

    const sources = folders.map((folder, source): SourceInventory => {
      const listing = listings[source];
      const found = results.filter((_, index) => subfolders[index]?.source === source);
      return summarizeSource(
        folder,
        listing && "reason" in listing ? listing.reason : null,
        found,
        now,
      );
    });
    return {
      takenAt: now.toISOString(),
      timeoutMs,
      sources,
      totals: addTotals(sources.map((source) => source.totals)),
    };
  } catch (error) {
    if (options.signal?.aborted) {
      throw new PytarchiveError(CODES.aborted, "The inventory was aborted", {
        hint: "Nothing was changed; run the inventory again when you are ready.",
        cause: options.signal.reason,
      });
    }
    throw fatal.signal.aborted ? fatal.signal.reason : error;
  }
}

function summarizeSource(
  folder: string,
  listError: string | null,
  found: readonly (MeasuredSubfolder | UnreadableSubfolder)[],
  now: Date,
): SourceInventory {
  const measured = found.filter((entry): entry is MeasuredSubfolder => "sizeKiB" in entry);
  const unreadable = found.filter((entry): entry is UnreadableSubfolder => "reason" in entry);
  const groups = AGE_GROUPS.map(({ id, label }) => {
    const subfolders = measured
      .filter((entry) => ageGroupOf(now.getTime() - Date.parse(entry.lastChange)) === id)
      .sort((a, b) => b.sizeKiB - a.sizeKiB || (a.path < b.path ? -1 : 1));
    return { id, label, subfolders, totalKiB: sum(subfolders.map((entry) => entry.sizeKiB)) };
  });
  return {
    folder,
    listError,
    groups,
    unreadable,
    totals: {
      groups: groups.map(({ id, label, subfolders, totalKiB }) => ({
        id,
        label,
        count: subfolders.length,
        totalKiB,
      })),
      measuredCount: measured.length,
      totalKiB: sum(measured.map((entry) => entry.sizeKiB)),
      unreadableCount: unreadable.length,
      unlistedCount: listError === null ? 0 : 1,
    },
  };
}

function addTotals(all: readonly InventoryTotals[]): InventoryTotals {
  return {
    groups: AGE_GROUPS.map(({ id, label }) => {
      const totals = all.flatMap((totals) => totals.groups.filter((group) => group.id === id));
      return {
        id,
        label,
        count: sum(totals.map((group) => group.count)),
        totalKiB: sum(totals.map((group) => group.totalKiB)),
      };
    }),
    measuredCount: sum(all.map((totals) => totals.measuredCount)),
    totalKiB: sum(all.map((totals) => totals.totalKiB)),
    unreadableCount: sum(all.map((totals) => totals.unreadableCount)),
    unlistedCount: sum(all.map((totals) => totals.unlistedCount)),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Absolute, normalised, each once; a relative path is refused before anything is read. */
function checkFolders(folders: readonly string[]): string[] {
  const checked: string[] = [];
  for (const folder of folders) {
    if (!path.isAbsolute(folder)) {
      throw new PytarchiveError(CODES.folderNotAbsolute, `"${folder}" is not an absolute path`, {
        hint: `Give the full path of the source folder, e.g. ${path.resolve(folder)}`,
      });
    }
    const normalized = path.normalize(folder).replace(/(.)\/+$/, "$1");
    if (!checked.includes(normalized)) checked.push(normalized);
  }
  return checked;
}

function checkDuration(ms: number, name: string): number {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`${name} must be a positive number of milliseconds, not ${ms}`);
  }
  return ms;
}

const FILE_ERROR_WORDS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "does not exist",
  ENOTDIR: "is not a folder",
  EIO: "input/output error",
  ESTALE: "stale network file handle",
  ELOOP: "too many levels of symbolic links",
};

function describeError(error: unknown): string {
  if (error instanceof PytarchiveError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const words = code ? FILE_ERROR_WORDS[code] : undefined;
  if (words && code) return `${words} (${code})`;
  return messageOf(error);
}
