import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeBytes } from "../../shared/format/index.ts";
import { findMount, readMountTable } from "../../shared/hardware/mounts/index.ts";
import {
  MANIFEST_ERROR_CODES,
  MANIFEST_SUFFIX,
  type Manifest,
  readManifest,
} from "../../shared/manifest/index.ts";
import type { CatalogFile, CatalogFolder } from "../../shared/messages/index.ts";
import { type CatalogClient, readFolderFiles } from "../../shared/nats/index.ts";
import type { StepDefinition, StepProgress } from "../../shared/steps/index.ts";
import { driveOfJob } from "../../shared/steps/index.ts";
import { catalogFileOfManifestEntry, catalogFileOfTapeFile, recordFiles } from "./catalog-files.ts";
import { countOf, listFirst } from "./describe-problems.ts";
import { readStartBlocks, readTapeFolder, type VerifyProgress } from "./engine/index.ts";
import { jobArgumentsOrThrow } from "./job-arguments.ts";
import { readBackProgress } from "./read-back-progress.ts";
import { VERIFICATION_ERROR_CODES as CODES } from "./verification-errors.ts";

/** The step of an import-tape job this service does, with the tape mounted read-only. */
export const IMPORT_STEP = "import";

/** Where a folder whose original is unknown (no manifest, not in the catalog) is recorded. */
export const UNKNOWN_ORIGINAL_ROOT = "/unknown-original";

/** Problems named in the job's error; the count says how many there are in all. */
const PROBLEMS_IN_ERROR = 10;

export interface ImportStepDependencies {
  readonly catalog: CatalogClient;
  readonly config: PytarchiveConfig;
}

/** What one folder found on the tape came to. */
type FolderOutcome =
  | {
      readonly kind: "recorded";
      readonly from: "manifest" | "tape";
      readonly files: number;
      readonly bytes: number;
    }
  | { readonly kind: "unchanged" }
  | { readonly kind: "problem"; readonly line: string };

interface FolderToRecord {
  readonly path: string;
  readonly name: string;
  readonly description: string;
  readonly sizeKiB: number;
  readonly fileCount: number;
  readonly compressed: boolean;
  readonly archivedAt: string;
  readonly checksumsFrom: "original" | "tape";
  readonly files: readonly CatalogFile[];
}

/**
 * The `import` step of an import-tape job: records every top-level folder of the mounted tape
 * in the catalog. A folder with a manifest (written by pytarchive) is recorded from it (its
 * digest and fields checked, each file checked to be on the tape with its size, start blocks
 * read from the tape; nothing re-hashed); any other folder is read and hashed file by file,
 * unless the tape holds manifests and the catalog does not know it (an interrupted copy). Both
 * end archived, not verified (docs/manifest.md says why). A folder the catalog already has on
 * this tape is compared and left as it is; what differs, and anything not recorded, fails the
 * step with TAPE_IMPORT_PROBLEMS after everything else was recorded. Idempotent.
 */
export function importStep(deps: ImportStepDependencies): StepDefinition {
  return {
    async run({ job, item, log, signal, progress }) {
      const args = jobArgumentsOrThrow(job, "import-tape");
      const { tape } = args;
      const mountPoint = driveOfJob(job, deps.config).mountPoint;
      if (findMount(await readMountTable(), mountPoint) === null) {
        // The mount step mounts every tape but a blank one.
        return { summary: `tape ${tape} is blank (not LTFS-formatted): nothing to import` };
      }
      const known = new Map(
        (await deps.catalog.call("tape-contents", { barcode: tape })).folders.map((folder) => [
          folder.targetName,
          folder,
        ]),
      );
      const { names, strays, manifests } = await topLevelFolders(mountPoint);
      const outcomes: FolderOutcome[] = strays.map((name) => ({
        kind: "problem",
        line: `${name}: a file at the top of the tape, not a folder; not imported`,
      }));
      const report = { jobId: job.id, attempt: item.attempt, tape };
      for (const [index, name] of names.entries()) {
        signal.throwIfAborted();
        const prefix = `folder ${index + 1} of ${names.length} (${name}): `;
        const share = {
          start: (100 * index) / names.length,
          end: (100 * (index + 1)) / names.length,
        };
        progress({ percent: share.start, text: `${prefix}reading` });
        const folderOnTape = path.join(mountPoint, name);
        const found = await folderFromTape(folderOnTape, name, tape, known.get(name) ?? null, {
          signal,
          onProgress: readBackProgress(progress, { prefix, share }),
          tapeHoldsManifests: manifests > 0,
        });
        if ("problem" in found) {
          outcomes.push({ kind: "problem", line: `${name}: ${found.problem}` });
          continue;
        }
        const outcome = await recordFolder(deps.catalog, report, found, progress);
        log.info("folder found on the tape", { name, path: found.path, outcome: outcome.kind });
        outcomes.push(outcome);
      }
      return summaryOrThrow(tape, outcomes);
    },
  };
}

/**
 * The folders at the top of the tape (not pytarchive's own hidden ones), stray files, and how
 * many manifests lie beside folders (pytarchive wrote the tape).
 */
async function topLevelFolders(
  mountPoint: string,
): Promise<{ names: string[]; strays: string[]; manifests: number }> {
  const entries = await readdir(mountPoint, { withFileTypes: true });
  const visible = entries.filter((entry) => !entry.name.startsWith("."));
  const names = visible.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const strays = visible
    .filter((entry) => !entry.isDirectory() && !entry.name.endsWith(MANIFEST_SUFFIX))
    .map((entry) => entry.name);
  const manifests = visible.filter(
    (entry) => !entry.isDirectory() && entry.name.endsWith(MANIFEST_SUFFIX),
  ).length;
  return { names: names.sort(), strays: strays.sort(), manifests };
}

/**
 * The folder as its manifest or, without one, the tape itself describes it; or what is wrong.
 * pytarchive writes a folder's manifest last, after its files: on a tape it wrote, a folder
 * without one that the catalog does not know is a copy interrupted part-way, not an archive.
 */
export async function folderFromTape(
  folderOnTape: string,
  name: string,
  tape: string,
  known: CatalogFolder | null,
  reading: {
    signal: AbortSignal;
    onProgress: (progress: VerifyProgress) => void;
    tapeHoldsManifests: boolean;
  },
): Promise<FolderToRecord | { problem: string }> {
  const manifestPath = `${folderOnTape}${MANIFEST_SUFFIX}`;
  const hasManifest = await lstat(manifestPath).then(
    () => true,
    () => false,
  );
  if (hasManifest) return fromManifest(folderOnTape, manifestPath, name);
  if (known === null && reading.tapeHoldsManifests) {
    return {
      problem:
        "no manifest beside it on a tape pytarchive wrote: an incomplete copy (an archive interrupted before its manifest, written last); not imported",
    };
  }
  const files = await readTapeFolder(folderOnTape, reading);
  const unreadable = files.filter((file) => file.digest.error !== undefined);
  if (unreadable.length > 0) {
    return {
      problem: `${countOf(unreadable.length, "file")} could not be read: ${listFirst(
        unreadable.map((file) => `${file.path} (${file.digest.error?.code ?? "read error"})`),
        5,
      )}`,
    };
  }
  const stats = await lstat(folderOnTape);
  return {
    path: known?.path ?? `${UNKNOWN_ORIGINAL_ROOT}/${tape}/${name}`,
    name,
    description: known?.description ?? `found on tape ${tape} without a manifest`,
    sizeKiB: files.reduce((sum, file) => sum + Math.ceil(file.size / 1024), 0),
    fileCount: files.length,
    compressed: false,
    archivedAt: stats.mtime.toISOString(),
    checksumsFrom: "tape",
    files: files.map(catalogFileOfTapeFile),
  };
}

async function fromManifest(
  folderOnTape: string,
  manifestPath: string,
  name: string,
): Promise<FolderToRecord | { problem: string }> {
  let manifest: Manifest;
  try {
    manifest = await readManifest(manifestPath);
  } catch (error) {
    const codes: readonly string[] = Object.values(MANIFEST_ERROR_CODES);
    if (error instanceof PytarchiveError && codes.includes(error.code)) {
      return { problem: `${error.code}: ${error.message}` };
    }
    throw error;
  }
  if (manifest.folder.name !== name) {
    return { problem: `its manifest describes ${manifest.folder.name}, not this folder` };
  }
  const fileEntries = manifest.entries.filter((entry) => entry.type === "file");
  const missing: string[] = [];
  await Promise.all(
    fileEntries.map(async (entry) => {
      const stats = await lstat(path.join(folderOnTape, entry.path)).catch(() => null);
      if (stats === null || !stats.isFile()) missing.push(`${entry.path}: missing from the tape`);
      else if (stats.size !== entry.size) {
        missing.push(
          `${entry.path}: ${stats.size} bytes on the tape, ${entry.size} in the manifest`,
        );
      }
    }),
  );
  if (missing.length > 0) {
    return {
      problem: `the tape does not hold what its manifest lists: ${listFirst(missing.sort(), 5)}`,
    };
  }
  const placed = await readStartBlocks(folderOnTape, fileEntries);
  const { folder, totals } = manifest;
  return {
    path: folder.originalPath,
    name,
    description: folder.description,
    sizeKiB: folder.sizeKiB ?? Math.ceil(totals.bytes / 1024),
    fileCount: folder.fileCount ?? totals.files,
    compressed: folder.compression !== null,
    archivedAt: folder.archivedAt,
    checksumsFrom: "original",
    files: placed.map(catalogFileOfManifestEntry),
  };
}

/** Records a new folder (or one an earlier run began), or compares a known one. */
async function recordFolder(
  catalog: CatalogClient,
  report: { jobId: string; attempt: number; tape: string },
  found: FolderToRecord,
  progress: (update: StepProgress) => void,
): Promise<FolderOutcome> {
  const apparentBytes = found.files.reduce((sum, file) => sum + file.sizeBytes, 0);
  const answer = await catalog.call("folder-import", {
    ...report,
    path: found.path,
    targetName: found.name,
    description: found.description,
    sizeKiB: found.sizeKiB,
    apparentBytes,
    fileCount: found.fileCount,
    compressed: found.compressed,
    archivedAt: found.archivedAt,
    checksumsFrom: found.checksumsFrom,
  });
  if (answer.status === "taken") {
    return { kind: "problem", line: `${found.name}: ${answer.detail ?? "taken"}; not imported` };
  }
  if (answer.status === "known") {
    const differences = await differencesFrom(catalog, found);
    return differences.length === 0
      ? { kind: "unchanged" }
      : {
          kind: "problem",
          line: `${found.name}: the catalog has ${found.path} here with other files (left as it is): ${listFirst(differences, 5)}`,
        };
  }
  progress({ text: `${found.name}: recording ${countOf(found.files.length, "file")}` });
  await recordFiles(
    catalog,
    { ...report, path: found.path },
    found.files,
    undefined,
    "import-files-record",
  );
  await catalog.call("folder-import-done", {
    ...report,
    path: found.path,
    fileCount: found.files.length,
  });
  return {
    kind: "recorded",
    from: found.checksumsFrom === "original" ? "manifest" : "tape",
    files: found.files.length,
    bytes: apparentBytes,
  };
}

/** What the catalog records for a folder it knows on this tape, against what the tape holds. */
async function differencesFrom(catalog: CatalogClient, found: FolderToRecord): Promise<string[]> {
  const recorded = new Map(
    (await readFolderFiles(catalog, found.path)).map((file) => [file.path, file]),
  );
  const differences: string[] = [];
  for (const file of found.files) {
    const other = recorded.get(file.path);
    recorded.delete(file.path);
    if (other === undefined) differences.push(`${file.path}: not in the catalog`);
    else if (other.sizeBytes !== file.sizeBytes) {
      differences.push(`${file.path}: ${file.sizeBytes} bytes, the catalog has ${other.sizeBytes}`);
    } else if (other.sha256 !== file.sha256) {
      differences.push(
        `${file.path}: checksum ${file.sha256.slice(0, 12)}…, the catalog has ${other.sha256.slice(0, 12)}…`,
      );
    }
  }
  for (const gone of recorded.keys()) differences.push(`${gone}: in the catalog, not on the tape`);
  return differences;
}

function summaryOrThrow(tape: string, outcomes: readonly FolderOutcome[]): { summary: string } {
  const recorded = outcomes.filter((outcome) => outcome.kind === "recorded");
  const fromManifest = recorded.filter((outcome) => outcome.from === "manifest").length;
  const files = recorded.reduce((sum, outcome) => sum + outcome.files, 0);
  const bytes = recorded.reduce((sum, outcome) => sum + outcome.bytes, 0);
  const unchanged = outcomes.filter((outcome) => outcome.kind === "unchanged").length;
  const problems = outcomes.flatMap((outcome) =>
    outcome.kind === "problem" ? [outcome.line] : [],
  );
  const parts = [
    `recorded ${countOf(recorded.length, "folder")} (${fromManifest} from manifests, ${recorded.length - fromManifest} hashed from the tape; ${countOf(files, "file")}, ${describeBytes(bytes)}) as archived, not verified`,
    ...(unchanged > 0
      ? [`${countOf(unchanged, "folder")} already in the catalog as on the tape, unchanged`]
      : []),
  ];
  if (problems.length > 0) {
    throw new PytarchiveError(
      CODES.importProblems,
      `Importing tape ${tape} ${parts.join("; ")}; ${countOf(problems.length, "problem")}: ${listFirst(problems, PROBLEMS_IN_ERROR)}.`,
      {
        hint: `Nothing on tape ${tape} was changed. Folders not recorded stay out of the catalog; fix what is named (or leave it) and run \`pytarchive import-tape ${tape}\` again: what is recorded stays as it is.`,
      },
    );
  }
  return { summary: `tape ${tape}: ${parts.join("; ")}` };
}
