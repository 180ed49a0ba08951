import type { LegacyFolder } from "./legacy-database.ts";
import type { LegacyTask, LegacyValue } from "./legacy-queue.ts";
import { localWallTimeToDate } from "./legacy-time.ts";

/*
 * What importing the original's files means, entry by entry, without touching anything: the
 * folders and jobs to record, and what cannot be mapped (reported, never dropped silently).
 */

/** Linux's PATH_MAX. */
const PATH_MAX_BYTES = 4_096;
/** LTFS, like most file systems, limits one name to 255 bytes. */
const NAME_MAX_BYTES = 255;
const DESCRIPTION_MAX_CHARS = 1_000;
const PRIORITY_MAX = 1_000;
/** Barcodes as the changer records them. */
const BARCODE = /^[A-Z0-9]{1,32}$/;

/** A folder to record, as the catalog takes it. Times are instants (ISO 8601 UTC). */
export interface LegacyImportFolder {
  readonly path: string;
  readonly description: string;
  readonly state: "prepared" | "archived";
  readonly sizeKiB: number;
  readonly compressed: boolean;
  /** The tarball of a prepared compressed folder; null otherwise. */
  readonly archivePath: string | null;
  /** Archived: the tape and the name on it (relative to the LTFS root). */
  readonly tape: string | null;
  readonly nameOnTape: string | null;
  readonly measuredAt: string | null;
  readonly archivedAt: string | null;
  /** Where it came from: "database.json line 12". */
  readonly source: string;
}

/** A job to record, with this pytarchive's kind and arguments. */
export interface LegacyImportJob {
  readonly key: string;
  readonly kind: "prepare" | "archive" | "restore" | "explore" | "inventory";
  readonly args: Record<string, string | number | boolean | string[]>;
  readonly priority: number;
  readonly createdAt: string;
  /** The original's error text and traceback; null when the task was queued. */
  readonly failed: string | null;
  readonly source: string;
}

export interface LegacyProblem {
  /** "database.json line 12 (/data/x)" or "queue.json line 40 (task 3, archive)". */
  readonly entry: string;
  readonly message: string;
}

/** The dry run's JSON, as the issue gives its shape (snake_case, the original's words). */
export interface LegacyDryRun {
  readonly folders: {
    original_directory: string;
    state: string;
    tape: string | null;
    path_on_tape: string | null;
    size_kib: number | null;
    compressed: boolean | null;
    compressed_path: string | null;
    description: string;
    size_queried: string | null;
    archived: string | null;
  }[];
  readonly tapes: { barcode: string; folders: string[]; pending: string[] }[];
  readonly queue: {
    kind: string;
    args: LegacyValue[];
    priority: number;
    failed: boolean;
    created: string;
  }[];
  readonly problems: LegacyProblem[];
}

export interface LegacyPlan {
  readonly dryRun: LegacyDryRun;
  readonly folders: LegacyImportFolder[];
  readonly jobs: LegacyImportJob[];
  readonly problems: LegacyProblem[];
}

/** Names of the files, as the user gave them, for messages. */
export interface LegacyFileNames {
  readonly database: string;
  readonly queue: string | null;
}

/**
 * Plans the import of the original's database (and queue, when given): every entry becomes a
 * folder or a job, or a problem saying why not and what to do.
 *
 * @example
 * const plan = planLegacyImport(parseLegacyDatabase(file, text), null, { database: file, queue: null });
 * plan.folders.length; plan.problems;
 */
export function planLegacyImport(
  entries: readonly LegacyFolder[],
  tasks: readonly LegacyTask[] | null,
  files: LegacyFileNames,
): LegacyPlan {
  const problems: LegacyProblem[] = [];
  const byPath = new Map<string, LegacyFolder>();
  const folders: LegacyImportFolder[] = [];
  const where = (entry: LegacyFolder) =>
    `${baseName(files.database)} line ${entry.line} (${entry.originalDirectory})`;

  for (const entry of entries) {
    const problem = (message: string) => problems.push({ entry: where(entry), message });
    const first = byPath.get(entry.originalDirectory);
    if (first !== undefined) {
      problem(
        `the folder appears again (first at line ${first.line}); only the first entry is imported`,
      );
      continue;
    }
    byPath.set(entry.originalDirectory, entry);
    const pathProblem = absolutePathProblem(entry.originalDirectory);
    if (pathProblem !== null) {
      problem(`not imported: original_directory ${pathProblem}`);
      continue;
    }
    if ([...entry.description].length > DESCRIPTION_MAX_CHARS || entry.description.includes("\0")) {
      problem(
        `not imported: its description is longer than ${DESCRIPTION_MAX_CHARS} characters or holds a NUL`,
      );
      continue;
    }
    // A folder being prepared comes in through its prepare task (below), or is reported.
    if (entry.state === "preparing") continue;
    const mapped = folderOf(entry, where(entry));
    if (typeof mapped === "string") problem(mapped);
    else folders.push(mapped);
  }

  const jobs: LegacyImportJob[] = [];
  const preparingWithTask = new Set<string>();
  const archivingWithTask = new Set<string>();
  for (const task of tasks ?? []) {
    const source = `${baseName(files.queue ?? "queue.json")} line ${task.line} (task ${task.number}, ${task.coroutine})`;
    const mapped = jobOf(task, byPath, source);
    if (typeof mapped === "string") {
      problems.push({ entry: source, message: mapped });
      continue;
    }
    const folder = mapped.args.folder;
    if (mapped.kind === "prepare" && typeof folder === "string") preparingWithTask.add(folder);
    if (mapped.kind === "archive" && typeof folder === "string") archivingWithTask.add(folder);
    jobs.push(mapped);
  }

  for (const entry of byPath.values()) {
    if (absolutePathProblem(entry.originalDirectory) !== null) continue;
    const written = nameWrittenOnTape(entry);
    if (written !== null) {
      problems.push({
        entry: where(entry),
        message: `imported as recorded (${entry.pathOnTape}), but the original wrote ${written} on tape ${entry.tape} (its with_suffix replaced the tail of a dotted name); verify --adopt looks for both`,
      });
    }
    if (entry.state === "preparing" && !preparingWithTask.has(entry.originalDirectory)) {
      problems.push({
        entry: where(entry),
        message: `not imported: the original was still preparing it and ${tasks === null ? "no queue.json was given (--queue)" : "queue.json has no prepare task for it"}; prepare it again: pytarchive prepare ${entry.originalDirectory} ${JSON.stringify(entry.description)}`,
      });
    }
    if (
      entry.state !== "archived" &&
      entry.state !== "preparing" &&
      entry.tape !== null &&
      !archivingWithTask.has(entry.originalDirectory)
    ) {
      problems.push({
        entry: where(entry),
        message: `imported as prepared: its archive to tape ${entry.tape} was queued in the original, but ${tasks === null ? "no queue.json was given (--queue)" : "queue.json has no archive task for it"}; archive it again: pytarchive archive ${entry.originalDirectory} ${entry.tape}`,
      });
    }
  }

  return {
    dryRun: {
      folders: entries.map(dryRunFolder),
      tapes: tapesOf(entries),
      queue: (tasks ?? []).map((task) => ({
        kind: task.coroutine,
        args: task.args,
        priority: task.priority,
        failed: task.error !== null,
        created: task.created,
      })),
      problems,
    },
    folders,
    jobs,
    problems,
  };
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

function instant(localWallTime: string | null): string | null {
  return localWallTime === null ? null : localWallTimeToDate(localWallTime).toISOString();
}

/** The catalog's folder for an entry, or why it cannot be one. */
function folderOf(entry: LegacyFolder, source: string): LegacyImportFolder | string {
  if (entry.sizeKiB === null) return `not imported: it is ${entry.state} but has no size`;
  const common = {
    path: entry.originalDirectory,
    description: entry.description,
    sizeKiB: entry.sizeKiB,
    compressed: entry.compressed === true,
    measuredAt: instant(entry.sizeQueried),
    source,
  };
  if (entry.state !== "archived") {
    if (entry.compressed === true && entry.compressedPath === null) {
      return `not imported: it is prepared compressed but its tarball (compressed_path) is not recorded; prepare it again: pytarchive prepare ${entry.originalDirectory} ${JSON.stringify(entry.description)} --compress`;
    }
    return {
      ...common,
      state: "prepared",
      archivePath: entry.compressed === true ? entry.compressedPath : null,
      tape: null,
      nameOnTape: null,
      archivedAt: null,
    };
  }
  if (entry.tape === null || entry.pathOnTape === null) {
    return `not imported: it is archived but names no ${entry.tape === null ? "tape" : "path_on_tape"}`;
  }
  if (!BARCODE.test(entry.tape)) {
    return `not imported: tape ${JSON.stringify(entry.tape)} is not a barcode (1 to 32 capital letters and digits)`;
  }
  if (entry.archived === null) return "not imported: it is archived but has no archived date";
  const name = entry.pathOnTape;
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    return `not imported: path_on_tape ${JSON.stringify(name)} is not one name at the root of the tape`;
  }
  return {
    ...common,
    state: "archived",
    archivePath: null,
    tape: entry.tape,
    nameOnTape: entry.pathOnTape,
    archivedAt: instant(entry.archived),
  };
}

type Job = LegacyImportJob;

/** This pytarchive's job for a task, or why there is none. */
function jobOf(
  task: LegacyTask,
  byPath: ReadonlyMap<string, LegacyFolder>,
  source: string,
): Job | string {
  if (task.priority < 0 || task.priority > PRIORITY_MAX) {
    return `not imported: priority ${task.priority} is outside 0-${PRIORITY_MAX}; queue it again with a priority in range`;
  }
  const common = {
    key: task.key,
    priority: task.priority,
    createdAt: localWallTimeToDate(task.created).toISOString(),
    failed: task.error,
    source,
  };
  const args = task.args;
  const shape = (expected: string) =>
    `not imported: its args ${JSON.stringify(args)} are not [${expected}] as the original's ${task.coroutine} takes them`;
  switch (task.coroutine) {
    case "prepare": {
      const [folder, compress] = args;
      if (args.length !== 2 || typeof folder !== "string" || typeof compress !== "boolean") {
        return shape("folder, compress");
      }
      const entry = byPath.get(folder);
      if (entry?.state !== "preparing") {
        return `not imported: database.json has ${folder} ${entry === undefined ? "not at all" : `as ${entry.state}`}, so there is nothing left to prepare`;
      }
      const problem = absolutePathProblem(folder);
      if (problem !== null) return `not imported: the folder ${problem}`;
      return {
        ...common,
        kind: "prepare",
        args: { folder, description: entry.description, compress },
      };
    }
    case "archive": {
      const [folder, tape, name] = args;
      if (
        args.length !== 3 ||
        typeof folder !== "string" ||
        typeof tape !== "string" ||
        typeof name !== "string"
      ) {
        return shape("folder, barcode, target_name");
      }
      const entry = byPath.get(folder);
      if (entry === undefined || entry.state === "preparing" || entry.state === "archived") {
        return `not imported: database.json has ${folder} ${entry === undefined ? "not at all" : `as ${entry.state}`}, not prepared, so it cannot be archived`;
      }
      if (!BARCODE.test(tape)) return `not imported: ${JSON.stringify(tape)} is not a tape barcode`;
      if (
        name === "" ||
        name === "." ||
        name === ".." ||
        name.includes("/") ||
        name.includes("\0") ||
        Buffer.byteLength(name) > NAME_MAX_BYTES
      ) {
        return `not imported: ${JSON.stringify(name)} is not a folder name on tape (one name, no '/', at most ${NAME_MAX_BYTES} bytes)`;
      }
      return { ...common, kind: "archive", args: { folder, tape, targetName: name } };
    }
    case "restore": {
      const [folder, target, subfolder] = args;
      if (
        args.length !== 3 ||
        typeof folder !== "string" ||
        typeof target !== "string" ||
        typeof subfolder !== "string"
      ) {
        return shape("folder, restore_path, subfolder");
      }
      const problem = absolutePathProblem(target);
      if (problem !== null) return `not imported: the restore path ${problem}`;
      if (byPath.get(folder)?.state !== "archived") {
        return `not imported: database.json does not have ${folder} as archived, so there is nothing to restore`;
      }
      // The original accepted "/sub/" and "sub" alike: the part inside the folder counts.
      const inside = subfolder.replace(/^\/+/, "").replace(/\/+$/, "");
      if (inside !== "" && relativePathProblem(inside) !== null) {
        return `not imported: subfolder ${JSON.stringify(subfolder)} ${relativePathProblem(inside)}`;
      }
      return {
        ...common,
        kind: "restore",
        args: { folder, target, ...(inside === "" ? {} : { subfolder: inside }) },
      };
    }
    case "explore": {
      const [tape, seconds, email] = args;
      if (
        args.length !== 3 ||
        typeof tape !== "string" ||
        typeof seconds !== "number" ||
        !(email === null || typeof email === "string")
      ) {
        return shape("barcode, seconds, email or null");
      }
      if (!BARCODE.test(tape)) return `not imported: ${JSON.stringify(tape)} is not a tape barcode`;
      if (!Number.isSafeInteger(seconds) || seconds < 1) {
        return `not imported: ${seconds} is not a whole number of seconds above 0`;
      }
      return {
        ...common,
        kind: "explore",
        args: { tape, seconds, ...(email === null ? {} : { email }) },
      };
    }
    case "inventory": {
      const [folder] = args;
      if (args.length !== 1 || typeof folder !== "string") return shape("folder");
      const problem = absolutePathProblem(folder);
      if (problem !== null) return `not imported: the folder ${problem}`;
      return { ...common, kind: "inventory", args: { folders: [folder] } };
    }
    default:
      return `not imported: the original has no task ${JSON.stringify(task.coroutine)} (prepare, archive, restore, explore and inventory are known)`;
  }
}

/** Why `path` is no absolute folder path pytarchive takes, or null when it is one. */
function absolutePathProblem(path: string): string | null {
  if (!path.startsWith("/")) return `${JSON.stringify(path)} is not a full path starting with /`;
  if (path === "/") return "is the root folder /";
  return pathPartsProblem(path.slice(1));
}

/** Why `path` is not a relative path inside a folder, or null. */
function relativePathProblem(path: string): string | null {
  if (path.startsWith("/")) return `${JSON.stringify(path)} starts with /`;
  return pathPartsProblem(path);
}

function pathPartsProblem(path: string): string | null {
  if (path.includes("\0")) return "holds a NUL character";
  if (Buffer.byteLength(path) > PATH_MAX_BYTES) return `is longer than ${PATH_MAX_BYTES} bytes`;
  const parts = path.split("/");
  if (parts.some((part) => part === "." || part === "..")) return "has '.' or '..' parts";
  if (parts.some((part) => part === "")) return "has an empty part (//)";
  return null;
}

/**
 * The file the original really wrote for a compressed folder whose name has a dot: it recorded
 * `<name>.tar.gz` but wrote `Path(<name>).with_suffix(".tar.gz")`, which replaces the tail after
 * the last dot (`survey.v1` → `survey.tar.gz`). Null when the two are the same.
 */
function nameWrittenOnTape(entry: LegacyFolder): string | null {
  if (entry.state !== "archived" || entry.compressed !== true || entry.pathOnTape === null) {
    return null;
  }
  if (!entry.pathOnTape.endsWith(".tar.gz")) return null;
  const target = entry.pathOnTape.slice(0, -".tar.gz".length);
  const slash = target.lastIndexOf("/");
  const name = target.slice(slash + 1);
  const dot = name.lastIndexOf(".");
  if (!(dot > 0 && dot < name.length - 1)) return null;
  return `${target.slice(0, slash + 1)}${name.slice(0, dot)}.tar.gz`;
}

function dryRunFolder(entry: LegacyFolder): LegacyDryRun["folders"][number] {
  return {
    original_directory: entry.originalDirectory,
    state: entry.state,
    tape: entry.tape,
    path_on_tape: entry.pathOnTape,
    size_kib: entry.sizeKiB,
    compressed: entry.compressed,
    compressed_path: entry.compressedPath,
    description: entry.description,
    size_queried: entry.sizeQueried,
    archived: entry.archived,
  };
}

/** Each tape the database names: what the original archived there and what it meant to. */
function tapesOf(entries: readonly LegacyFolder[]): LegacyDryRun["tapes"] {
  const tapes = new Map<string, { folders: string[]; pending: string[] }>();
  for (const entry of entries) {
    if (entry.tape === null) continue;
    const tape = tapes.get(entry.tape) ?? { folders: [], pending: [] };
    tapes.set(entry.tape, tape);
    (entry.state === "archived" ? tape.folders : tape.pending).push(entry.originalDirectory);
  }
  return [...tapes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([barcode, tape]) => ({ barcode, ...tape }));
}
