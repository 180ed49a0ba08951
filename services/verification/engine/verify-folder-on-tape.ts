import { lstat, readlink } from "node:fs/promises";
import path from "node:path";
import type { FilePool } from "../../../shared/data-path/index.ts";
import { messageOf } from "../../../shared/format/index.ts";
import { differingXattrs, readUserXattrs, type UserXattrs } from "../../../shared/xattrs/index.ts";
import { VerifyAbortedError, VerifyFolderMissingError } from "./errors.ts";
import { type HashFilesOptions, hashFilesInOrder } from "./hash-files.ts";
import { listTapeTree, type TapeEntryKind } from "./tape-tree.ts";

/** What the archive recorded about one entry (a manifest entry or a catalog file row fits). */
export interface ExpectedEntry {
  /** Relative to the archived folder, "/"-separated. */
  readonly path: string;
  /** Defaults to "file" (the catalog holds files only). */
  readonly type?: "file" | "directory" | "symlink";
  readonly size: number;
  /** Files: 64 lowercase hex digits. */
  readonly sha256: string | null;
  readonly linkTarget?: string | null;
  /** Files and folders: the `user.*` extended attributes recorded (base64 values), if any. */
  readonly xattrs?: UserXattrs;
}

export const VERIFY_PROBLEMS = [
  "missing",
  "size",
  "checksum",
  "extra",
  "type",
  "link-target",
  "xattrs",
  "unreadable",
] as const;
/**
 * missing: expected but not on the tape; size, checksum: the content differs; extra: on the tape
 * but not expected; type: a file where a folder was expected and so on; link-target: a symbolic
 * link points elsewhere; xattrs: extended attributes recorded for the entry are missing or differ on
 * the tape (expected and actual list their names); unreadable: the tape gave a read error (actual holds the error).
 */
export type VerifyProblem = (typeof VERIFY_PROBLEMS)[number];

export interface VerifyMismatch {
  readonly path: string;
  readonly problem: VerifyProblem;
  readonly expected: string | number | null;
  readonly actual: string | number | null;
}

export interface VerifyProgress {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** The file being read, or null. */
  readonly path: string | null;
}

export interface VerifyRequest {
  /** The archived folder on the mounted tape, `<mount point>/<name>`. */
  readonly folderOnTape: string;
  /** In tape order for a real tape: the manifest's order, or the catalog's start-block order. */
  readonly expected: readonly ExpectedEntry[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: VerifyProgress) => void;
  /** Read sizes and read-ahead; the defaults suit tapes and disks. */
  readonly reading?: Omit<HashFilesOptions, "signal" | "onBytes" | "pool">;
  /** The worker threads that read and hash (default: the process's shared pool). */
  readonly pool?: FilePool;
}

/** A report, not an exception: every mismatched entry is listed. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly mismatches: readonly VerifyMismatch[];
  readonly filesChecked: number;
  readonly bytesChecked: number;
  readonly durationMs: number;
}

function kindOfExpected(entry: ExpectedEntry): TapeEntryKind {
  return entry.type ?? "file";
}

/**
 * Reads every file of an archived folder back from the tape, once, with large reads, and
 * compares size and SHA-256 with what was recorded; also checks folders and symbolic links,
 * and lists anything on the tape that was not expected. Files are read in the order given.
 *
 * @example
 * const manifest = await readManifest("/ltfs0/ada_project.manifest.json");
 * const report = await verifyFolderOnTape({ folderOnTape: "/ltfs0/ada_project", expected: manifest.entries });
 * report.ok || report.mismatches // [{ path: "a.dat", problem: "checksum", expected: "9f…", actual: "03…" }]
 */
export async function verifyFolderOnTape(request: VerifyRequest): Promise<VerifyReport> {
  const started = performance.now();
  const { folderOnTape, expected, signal } = request;
  let onTape: Map<string, TapeEntryKind>;
  try {
    const root = await lstat(folderOnTape);
    if (!root.isDirectory()) throw new Error("not a folder");
    onTape = await listTapeTree(folderOnTape);
  } catch (error) {
    throw new VerifyFolderMissingError(folderOnTape, error);
  }

  const mismatches: VerifyMismatch[] = [];
  const files: ExpectedEntry[] = [];
  for (const entry of expected) {
    const want = kindOfExpected(entry);
    const found = onTape.get(entry.path);
    if (found === undefined) {
      mismatches.push({ path: entry.path, problem: "missing", expected: want, actual: null });
    } else if (found !== want) {
      mismatches.push({ path: entry.path, problem: "type", expected: want, actual: found });
    } else if (want === "file") {
      files.push(entry);
    } else if (want === "symlink") {
      const target = await readlink(path.join(folderOnTape, entry.path)).catch(
        (error: NodeJS.ErrnoException) => `(unreadable: ${error.code ?? error.message})`,
      );
      if (target !== entry.linkTarget) {
        mismatches.push({
          path: entry.path,
          problem: "link-target",
          expected: entry.linkTarget ?? null,
          actual: target,
        });
      }
    }
  }
  for (const entry of expected) {
    if (entry.xattrs === undefined || (onTape.get(entry.path) ?? null) !== kindOfExpected(entry)) {
      continue;
    }
    const mismatch = await xattrsMismatch(folderOnTape, entry, entry.xattrs);
    if (mismatch !== null) mismatches.push(mismatch);
  }
  const expectedPaths = new Set(expected.map((entry) => entry.path));
  const extras = [...onTape.keys()].filter((found) => !expectedPaths.has(found));

  const bytesTotal = files.reduce((sum, file) => sum + file.size, 0);
  let filesDone = 0;
  let bytesDone = 0;
  const progress = (current: string | null) =>
    request.onProgress?.({
      filesDone,
      filesTotal: files.length,
      bytesDone,
      bytesTotal,
      path: current,
    });
  let current: string | null = null;
  try {
    const digests = hashFilesInOrder(
      files.map((file) => ({ absolute: path.join(folderOnTape, file.path), size: file.size })),
      {
        ...request.reading,
        ...(request.pool === undefined ? {} : { pool: request.pool }),
        signal,
        onBytes: (bytes) => {
          bytesDone += bytes;
          progress(current);
        },
      },
    );
    current = files[0]?.path ?? null;
    for await (const { index, digest } of digests) {
      const file = files[index] as ExpectedEntry;
      filesDone += 1;
      current = files[index + 1]?.path ?? null;
      if (digest.error) {
        const missing = digest.error.code === "ENOENT";
        mismatches.push({
          path: file.path,
          problem: missing ? "missing" : "unreadable",
          expected: missing ? "file" : file.sha256,
          actual: missing ? null : (digest.error.code ?? digest.error.message),
        });
      } else if (digest.bytes !== file.size) {
        mismatches.push({
          path: file.path,
          problem: "size",
          expected: file.size,
          actual: digest.bytes,
        });
      } else if (digest.sha256 !== file.sha256) {
        mismatches.push({
          path: file.path,
          problem: "checksum",
          expected: file.sha256,
          actual: digest.sha256,
        });
      }
      progress(current);
    }
  } catch (error) {
    if (signal?.aborted) throw new VerifyAbortedError(folderOnTape, filesDone);
    throw error;
  }

  for (const extra of extras) {
    mismatches.push({
      path: extra,
      problem: "extra",
      expected: null,
      actual: onTape.get(extra) ?? null,
    });
  }
  return {
    ok: mismatches.length === 0,
    mismatches,
    filesChecked: filesDone,
    bytesChecked: bytesDone,
    durationMs: performance.now() - started,
  };
}

/** The recorded attributes against the tape's (LTFS's own `user.ltfs.*` left out); null: equal. */
async function xattrsMismatch(
  folderOnTape: string,
  entry: ExpectedEntry,
  recorded: UserXattrs,
): Promise<VerifyMismatch | null> {
  let actual: UserXattrs | null;
  try {
    actual = await readUserXattrs(path.join(folderOnTape, entry.path));
  } catch (error) {
    return {
      path: entry.path,
      problem: "unreadable",
      expected: Object.keys(recorded).join(", "),
      actual: messageOf(error),
    };
  }
  const differing = differingXattrs(recorded, actual);
  if (differing.length === 0) return null;
  return {
    path: entry.path,
    problem: "xattrs",
    expected: Object.keys(recorded).sort().join(", "),
    actual: differing.join(", "),
  };
}
