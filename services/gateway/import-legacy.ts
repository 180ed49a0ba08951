import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  type CommandReply,
  type CommandRequest,
  LEGACY_ERROR_MAX_CHARS,
  type LegacyOutcome,
} from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import type { KnownFolder } from "../../shared/originals/index.ts";
import {
  absolutePathOrThrow,
  barcodeOf,
  descriptionOrThrow,
  emailOrThrow,
  exploreSecondsOrThrow,
  nameOrThrow,
  newPathOrThrow,
  PRIORITY_MAX,
  priorityOrThrow,
  subfolderOrThrow,
  textOrThrow,
} from "./check-arguments.ts";
import { GATEWAY_ERROR_CODES as CODES, gatewayError } from "./gateway-errors.ts";

type Request = CommandRequest<"import-legacy">;
type Folder = Request["folders"][number];
type Job = Request["jobs"][number];

/** Most KiB one folder can hold: 2^53 bytes. */
const MAX_KIB = 2 ** 43;

/** What the import needs of the gateway besides the catalog. */
export interface LegacyImportChecks {
  /** `[Export] max_seconds`: the longest explore a task may ask for. */
  readonly exploreMaxSeconds: number;
  /**
   * The originals rule for restore targets, with symlinks resolved, as a `restore` command gets
   * it; `more` are originals recorded in the same request.
   */
  readonly restoreTargetRule: (
    more: readonly KnownFolder[],
  ) => Promise<(target: string) => Promise<string>>;
}

/**
 * `pytarchive import-legacy`: every entry of the original's files checked like any argument a
 * user gives (paths, names, barcodes, numbers in their bounds; a restore's target by the same
 * originals rule as `restore`, resolved, not only as written); an entry that fails is reported
 * and the others go to the catalog, which records each once.
 */
export async function importLegacy(
  catalog: CatalogClient,
  request: Request,
  checks: LegacyImportChecks,
): Promise<CommandReply<"import-legacy">> {
  const folders = request.folders.map((folder) => checked(folder, () => checkFolder(folder)));
  const jobs = request.jobs.map((job) =>
    checked(job, () => checkJob(job, checks.exploreMaxSeconds)),
  );
  if (jobs.some((result) => "entry" in result && result.entry.kind === "restore")) {
    const recorded = folders.flatMap((result) => ("entry" in result ? [result.entry] : []));
    const restoreTarget = await checks.restoreTargetRule(recorded);
    for (const [index, result] of jobs.entries()) {
      if (!("entry" in result) || result.entry.kind !== "restore") continue;
      const job = result.entry;
      jobs[index] = await checkedAsync(job, async () => ({
        ...job,
        args: { ...job.args, target: await restoreTarget(String(job.args.target)) },
      }));
    }
  }
  const reply = await catalog.call("legacy-import", {
    folders: folders.flatMap((result) => ("entry" in result ? [result.entry] : [])),
    jobs: jobs.flatMap((result) => ("entry" in result ? [result.entry] : [])),
  });
  const recordedFolders = [...reply.folders];
  const recordedJobs = [...reply.jobs];
  const inOrder = (
    results: readonly ({ entry: unknown } | { refused: LegacyOutcome })[],
    recorded: LegacyOutcome[],
  ) =>
    results.map((result) =>
      "entry" in result ? (recorded.shift() as LegacyOutcome) : result.refused,
    );
  return {
    folders: inOrder(folders, recordedFolders),
    jobs: inOrder(jobs, recordedJobs),
    tapesAdded: reply.tapesAdded,
  };
}

type Checked<T> = { entry: T } | { refused: LegacyOutcome };

function checked<T extends { source: string }>(entry: T, check: () => T): Checked<T> {
  try {
    return { entry: check() };
  } catch (error) {
    return refusedOrThrow(entry, error);
  }
}

async function checkedAsync<T extends { source: string }>(
  entry: T,
  check: () => Promise<T>,
): Promise<Checked<T>> {
  try {
    return { entry: await check() };
  } catch (error) {
    return refusedOrThrow(entry, error);
  }
}

function refusedOrThrow(entry: { source: string }, error: unknown): { refused: LegacyOutcome } {
  if (!(error instanceof PytarchiveError)) throw error;
  return {
    refused: {
      source: entry.source,
      outcome: "refused",
      jobId: null,
      state: null,
      message: `${error.code}: ${error.message}`,
    },
  };
}

/** The path exactly as given (names are imported byte for byte), or a refusal. */
function exactPathOrThrow(value: string, what: string): string {
  const path = absolutePathOrThrow(value, what);
  if (path === value) return value;
  throw gatewayError(
    CODES.invalidArgument,
    `The ${what} ${JSON.stringify(value)} is not written as a plain full path (it would be ${JSON.stringify(path)}).`,
    "Correct the entry in the original's file, then import again.",
  );
}

function sizeOrThrow(value: number): number {
  if (value <= MAX_KIB) return value;
  throw gatewayError(
    CODES.invalidArgument,
    `The size ${value} KiB is more than any folder holds (${MAX_KIB} KiB).`,
    "Correct the entry's size in the original's database.json, then import again.",
  );
}

function checkFolder(folder: Folder): Folder {
  return {
    ...folder,
    path: exactPathOrThrow(folder.path, "folder"),
    description: descriptionOrThrow(folder.description),
    sizeKiB: sizeOrThrow(folder.sizeKiB),
    archivePath:
      folder.archivePath === null ? null : exactPathOrThrow(folder.archivePath, "compressed_path"),
    tape: folder.tape === null ? null : barcodeOf(folder.tape),
    nameOnTape: folder.nameOnTape === null ? null : textOrThrow(folder.nameOnTape, "path on tape"),
  };
}

function text(args: Job["args"], key: string): string {
  const value = args[key];
  if (typeof value === "string") return value;
  throw gatewayError(
    CODES.invalidArgument,
    `The task's argument ${key} is missing or not text.`,
    "Import with the pytarchive CLI of the same version as the service.",
  );
}

function checkJob(job: Job, exploreMaxSeconds: number): Job {
  const priority = priorityOrThrow(job.priority) ?? PRIORITY_MAX;
  if (job.failed !== null && job.failed.length > LEGACY_ERROR_MAX_CHARS) {
    throw gatewayError(
      CODES.invalidArgument,
      `The task's error text is ${job.failed.length} characters long; at most ${LEGACY_ERROR_MAX_CHARS} are kept.`,
      "Import with the pytarchive CLI of the same version as the service (it shortens longer texts).",
    );
  }
  const { args } = job;
  switch (job.kind) {
    case "prepare":
      return {
        ...job,
        priority,
        args: {
          folder: exactPathOrThrow(text(args, "folder"), "folder"),
          description: descriptionOrThrow(text(args, "description")),
          compress: args.compress === true,
        },
      };
    case "archive":
      return {
        ...job,
        priority,
        args: {
          folder: exactPathOrThrow(text(args, "folder"), "folder"),
          tape: barcodeOf(text(args, "tape")),
          targetName: nameOrThrow(text(args, "targetName")),
        },
      };
    case "restore":
      return {
        ...job,
        priority,
        args: {
          folder: exactPathOrThrow(text(args, "folder"), "folder"),
          target: newPathOrThrow(text(args, "target"), "restore target"),
          ...(args.subfolder === undefined
            ? {}
            : { subfolder: subfolderOrThrow(text(args, "subfolder")) }),
        },
      };
    case "explore":
      return {
        ...job,
        priority,
        args: {
          tape: barcodeOf(text(args, "tape")),
          seconds: exploreSecondsOrThrow(Number(args.seconds), exploreMaxSeconds),
          ...(args.email === undefined ? {} : { email: emailOrThrow(text(args, "email")) }),
        },
      };
    case "inventory": {
      const folders = args.folders;
      if (!Array.isArray(folders) || folders.length !== 1 || typeof folders[0] !== "string") {
        throw gatewayError(
          CODES.invalidArgument,
          "An imported inventory task names one folder.",
          "Import with the pytarchive CLI of the same version as the service.",
        );
      }
      return { ...job, priority, args: { folders: [exactPathOrThrow(folders[0], "folder")] } };
    }
  }
}
