import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { PYTARCHIVE_VERSION } from "../version.ts";
import type { UserXattrs } from "../xattrs/index.ts";
import {
  ENTRY_TYPES,
  type EntryType,
  SKIP_REASONS,
  type SkippedEntry,
  type SkipReason,
} from "./entry-types.ts";
import { ManifestInvalidError, ManifestUnreadableError } from "./manifest-errors.ts";

/** The `format` field of every manifest; anything else is not ours. */
export const MANIFEST_FORMAT = "pytarchive-manifest";
/** The version this pytarchive writes; docs/manifest.md describes every version. */
export const MANIFEST_VERSION = 2;
/** Versions this pytarchive reads: 1 (no digest, no measurements) and 2. */
export const MANIFEST_VERSIONS_READ = [1, 2] as const;
export type ManifestVersion = (typeof MANIFEST_VERSIONS_READ)[number];
/** Beside the folder on the tape: `<mount>/<name>.manifest.json` for `<mount>/<name>/`. */
export const MANIFEST_SUFFIX = ".manifest.json";

export const COMPRESSIONS = ["zstd", "gzip"] as const;
/** How a packed folder's single tar archive is compressed. */
export type Compression = (typeof COMPRESSIONS)[number];

/** One archived file, folder or symbolic link, as the manifest and the catalog record it. */
export interface ManifestEntry {
  /** Relative to the archived folder, "/"-separated, never "..", e.g. "data/run 3/b.dat". */
  readonly path: string;
  readonly type: EntryType;
  /** Bytes as written to the tape; 0 for folders and links. */
  readonly size: number;
  /** Modification time, nanoseconds since the epoch, as a decimal string (exceeds 2^53). */
  readonly mtimeNs: string;
  /** st_mode of the original, file type bits included (0o100644 = 33188). */
  readonly mode: number;
  /** Owner of the original (LTFS keeps no owners; restore does not apply them). */
  readonly uid: number;
  readonly gid: number;
  /** SHA-256 of the content, 64 lowercase hex digits; files only, null otherwise. */
  readonly sha256: string | null;
  /** Where a symbolic link points, unresolved; null for files and folders. */
  readonly linkTarget: string | null;
  /**
   * The original's `user.*` extended attributes (values in base64), files and folders only;
   * absent when it had none (and in manifests written before pytarchive carried them).
   */
  readonly xattrs?: UserXattrs;
}

/** The folder itself, so that the catalog entry could be rebuilt from the tape alone. */
export interface ManifestFolder {
  /** The name on the tape (the folder beside this manifest). */
  readonly name: string;
  readonly description: string;
  /** Absolute path of the original folder on the network storage. */
  readonly originalPath: string;
  /** ISO 8601 UTC time the copy finished. */
  readonly archivedAt: string;
  /** "pytarchive 0.1.0". */
  readonly toolVersion: string;
  /** The original folder's own st_mode and modification time. */
  readonly mode: number;
  readonly mtimeNs: string;
  /**
   * Null for a folder copied as it is. Otherwise the folder on tape holds one tar archive of the
   * original (`prepare --compress`, or more than 500,000 files), compressed this way.
   */
  readonly compression: Compression | null;
  /** The original folder's own `user.*` extended attributes (base64 values); absent: none. */
  readonly xattrs?: UserXattrs;
  /** Version 2: `du -s` of the original in KiB as `prepare` measured it; null: unknown (version 1). */
  readonly sizeKiB: number | null;
  /** Version 2: the files `prepare` counted in the original; null: unknown (version 1). */
  readonly fileCount: number | null;
  /** Version 2: ISO 8601 UTC time `prepare` measured `sizeKiB`; null: unknown. */
  readonly measuredAt: string | null;
}

export interface ManifestTotals {
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  readonly bytes: number;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: ManifestVersion;
  readonly folder: ManifestFolder;
  readonly totals: ManifestTotals;
  /** Excluded paths that existed in the original (their contents are not listed). */
  readonly excluded: readonly string[];
  /** Special files and names LTFS cannot store, not copied. */
  readonly skipped: readonly SkippedEntry[];
  /** In the order they were written to the tape (depth first, names in code-point order). */
  readonly entries: readonly ManifestEntry[];
  /**
   * Version 2: "sha256:<64 hex digits>" of the file's bytes before the digest line, checked
   * when the manifest is read; null for version 1 (nothing to check).
   */
  readonly digest: string | null;
}

/** What writeManifest is given: it adds the version it writes and the digest. */
export type ManifestContent = Omit<Manifest, "version" | "digest">;

/** Where the manifest of `<mount>/<name>` lives: `<mount>/<name>.manifest.json`. */
export function manifestPathFor(folderOnTape: string): string {
  return `${folderOnTape.replace(/\/+$/, "")}${MANIFEST_SUFFIX}`;
}

/** "pytarchive <version from package.json>". */
export function toolVersion(): string {
  return `pytarchive ${PYTARCHIVE_VERSION}`;
}

/** Totals of a list of entries. */
export function totalsOf(entries: readonly ManifestEntry[]): ManifestTotals {
  let files = 0;
  let directories = 0;
  let symlinks = 0;
  let bytes = 0;
  for (const entry of entries) {
    if (entry.type === "file") {
      files += 1;
      bytes += entry.size;
    } else if (entry.type === "directory") directories += 1;
    else symlinks += 1;
  }
  return { files, directories, symlinks, bytes };
}

/** Entries a write buffers before it hands them to the file system. */
const LINES_PER_WRITE = 2000;

/** One entry as JSON, always with its fields in the same order. */
function entryJson(entry: ManifestEntry): string {
  return JSON.stringify({
    path: entry.path,
    type: entry.type,
    size: entry.size,
    mtimeNs: entry.mtimeNs,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    sha256: entry.sha256,
    linkTarget: entry.linkTarget,
    ...(entry.xattrs === undefined ? {} : { xattrs: entry.xattrs }),
  });
}

/** What comes after the entries: the digest of every byte before it, then the end. */
const DIGEST_LINE = /,\n {2}"digest": "sha256:([0-9a-f]{64})"\n\}\n?$/;

/**
 * Writes `manifest` to `path` as the current version, refusing to replace an existing file. One
 * entry per line, so that a person can read and diff it, and so that a folder of millions of
 * files never needs one giant string. The last field is the SHA-256 of every byte written before
 * it, so a reader can tell a damaged or edited manifest. Returns the manifest as written.
 *
 * @example
 * const written = await writeManifest("/ltfs0/ada_project.manifest.json", content);
 * written.digest // "sha256:9f86d081…"
 */
export async function writeManifest(path: string, manifest: ManifestContent): Promise<Manifest> {
  const handle = await open(path, "wx", 0o644);
  const hash = createHash("sha256");
  const write = async (text: string) => {
    hash.update(text, "utf8");
    await handle.write(text);
  };
  try {
    const { entries, ...fields } = manifest;
    const header = { ...fields, format: MANIFEST_FORMAT, version: MANIFEST_VERSION };
    const headerJson = JSON.stringify(
      {
        format: header.format,
        version: header.version,
        folder: header.folder,
        totals: header.totals,
        excluded: header.excluded,
        skipped: header.skipped,
      },
      null,
      2,
    );
    await write(`${headerJson.slice(0, -2)},\n  "entries": [`);
    for (let start = 0; start < entries.length; start += LINES_PER_WRITE) {
      const lines = entries
        .slice(start, start + LINES_PER_WRITE)
        .map((entry, index) => `${start + index === 0 ? "" : ","}\n    ${entryJson(entry)}`);
      await write(lines.join(""));
    }
    await write(entries.length === 0 ? "]" : "\n  ]");
    const digest = `sha256:${hash.digest("hex")}`;
    await handle.write(`,\n  "digest": "${digest}"\n}\n`);
    return { ...manifest, format: MANIFEST_FORMAT, version: MANIFEST_VERSION, digest };
  } finally {
    await handle.close();
  }
}

/**
 * Reads and validates a manifest written by writeManifest.
 *
 * @example
 * const manifest = await readManifest("/ltfs0/ada_project.manifest.json");
 * manifest.entries.filter((entry) => entry.type === "file").length === manifest.totals.files
 */
export async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ManifestUnreadableError(path, error);
  }
  return parseManifest(text, path);
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;
const NS_PATTERN = /^-?\d{1,20}$/;
const ISO_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Why `path` cannot be an entry's path, or null when it is a plain relative path. */
export function relativePathProblem(path: string): string | null {
  if (path === "") return "is empty";
  if (path.startsWith("/")) return "is absolute";
  if (path.includes("\0")) return "contains a NUL character";
  const parts = path.split("/");
  if (parts.some((part) => part === "" || part === "." || part === "..")) {
    return 'contains an empty, "." or ".." part';
  }
  return null;
}

/** Validates manifest JSON text; `path` is only used in error messages. */
export function parseManifest(text: string, path: string): Manifest {
  const fail = (problem: string): never => {
    throw new ManifestInvalidError(path, problem);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`it is not JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) return fail("it is not a JSON object");
  if (value.format !== MANIFEST_FORMAT) {
    return fail(`"format" is ${JSON.stringify(value.format)}, not "${MANIFEST_FORMAT}"`);
  }
  const version = value.version;
  if (!(MANIFEST_VERSIONS_READ as readonly unknown[]).includes(version)) {
    return fail(
      `"version" is ${JSON.stringify(version)}; this pytarchive reads versions ${MANIFEST_VERSIONS_READ.join(" and ")}`,
    );
  }
  const digest = version === 1 ? null : checkDigest(text, value.digest, fail);
  const folder = parseFolder(value.folder, version as ManifestVersion, fail);
  const entries = parseEntries(value.entries, fail);
  const totals = value.totals;
  if (!isObject(totals)) return fail('"totals" is missing');
  const counted = totalsOf(entries);
  for (const key of ["files", "directories", "symlinks", "bytes"] as const) {
    if (totals[key] !== counted[key]) {
      fail(
        `"totals.${key}" is ${JSON.stringify(totals[key])} but the entries add up to ${counted[key]}`,
      );
    }
  }
  const excluded = value.excluded;
  if (!Array.isArray(excluded) || !excluded.every((item) => typeof item === "string")) {
    return fail('"excluded" is not a list of paths');
  }
  const skipped = value.skipped;
  if (
    !Array.isArray(skipped) ||
    !skipped.every(
      (item) =>
        isObject(item) &&
        typeof item.path === "string" &&
        (SKIP_REASONS as readonly unknown[]).includes(item.reason),
    )
  ) {
    return fail(`"skipped" is not a list of { path, reason: ${SKIP_REASONS.join("|")} }`);
  }
  return {
    format: MANIFEST_FORMAT,
    version: version as ManifestVersion,
    folder,
    totals: counted,
    excluded: excluded as string[],
    skipped: (skipped as Fields[]).map((item) => ({
      path: item.path as string,
      reason: item.reason as SkipReason,
    })),
    entries,
    digest,
  };
}

/**
 * A version 2 manifest ends with `"digest": "sha256:…"`, the SHA-256 of every byte before that
 * line: a manifest damaged on the tape or edited since it was written fails here.
 */
function checkDigest(text: string, field: unknown, fail: (problem: string) => never): string {
  const match = DIGEST_LINE.exec(text);
  if (match === null || typeof field !== "string") {
    return fail('it has no "digest" as its last field, as version 2 manifests end');
  }
  const recorded = `sha256:${match[1]}`;
  const actual = `sha256:${createHash("sha256").update(text.slice(0, match.index), "utf8").digest("hex")}`;
  if (actual !== recorded || field !== recorded) {
    fail(
      `its content does not match its digest (recorded ${recorded.slice(0, 19)}…, computed ${actual.slice(0, 19)}…): it was damaged or changed after it was written`,
    );
  }
  return recorded;
}

function parseFolder(
  value: unknown,
  version: ManifestVersion,
  fail: (problem: string) => never,
): ManifestFolder {
  if (!isObject(value)) return fail('"folder" is missing');
  for (const key of ["name", "description", "originalPath", "toolVersion"] as const) {
    if (typeof value[key] !== "string") fail(`"folder.${key}" is not a string`);
  }
  const name = value.name as string;
  if (name === "" || name.includes("/") || name === "." || name === "..") {
    fail(`"folder.name" ${JSON.stringify(name)} is not a folder name`);
  }
  if (!(value.originalPath as string).startsWith("/"))
    fail('"folder.originalPath" is not absolute');
  if (typeof value.archivedAt !== "string" || !ISO_PATTERN.test(value.archivedAt)) {
    fail('"folder.archivedAt" is not an ISO 8601 UTC time');
  }
  if (!isCount(value.mode)) fail('"folder.mode" is not a file mode');
  if (typeof value.mtimeNs !== "string" || !NS_PATTERN.test(value.mtimeNs)) {
    fail('"folder.mtimeNs" is not a decimal string of nanoseconds');
  }
  if (value.xattrs !== undefined) checkXattrs(value.xattrs, '"folder"', fail);
  const compression = value.compression;
  if (compression !== null && !(COMPRESSIONS as readonly unknown[]).includes(compression)) {
    fail(`"folder.compression" is ${JSON.stringify(compression)}, not null, "zstd" or "gzip"`);
  }
  const measured = version === 1 ? null : parseMeasurements(value, fail);
  return {
    name,
    description: value.description as string,
    originalPath: value.originalPath as string,
    archivedAt: value.archivedAt as string,
    toolVersion: value.toolVersion as string,
    mode: value.mode as number,
    mtimeNs: value.mtimeNs as string,
    compression: compression as Compression | null,
    ...(value.xattrs === undefined ? {} : { xattrs: value.xattrs as UserXattrs }),
    sizeKiB: measured?.sizeKiB ?? null,
    fileCount: measured?.fileCount ?? null,
    measuredAt: measured?.measuredAt ?? null,
  };
}

/** Version 2's measurements of the original: present, each a count or a time, or null. */
function parseMeasurements(
  value: Fields,
  fail: (problem: string) => never,
): { sizeKiB: number | null; fileCount: number | null; measuredAt: string | null } {
  for (const key of ["sizeKiB", "fileCount"] as const) {
    if (value[key] !== null && !isCount(value[key])) fail(`"folder.${key}" is not a count or null`);
  }
  const measuredAt = value.measuredAt;
  if (measuredAt !== null && (typeof measuredAt !== "string" || !ISO_PATTERN.test(measuredAt))) {
    fail('"folder.measuredAt" is not an ISO 8601 UTC time or null');
  }
  return {
    sizeKiB: value.sizeKiB as number | null,
    fileCount: value.fileCount as number | null,
    measuredAt: measuredAt as string | null,
  };
}

function parseEntries(value: unknown, fail: (problem: string) => never): ManifestEntry[] {
  if (!Array.isArray(value)) return fail('"entries" is not a list');
  const seen = new Set<string>();
  const types = new Map<string, EntryType>();
  return value.map((raw, index): ManifestEntry => {
    const where = `entry ${index + 1}`;
    if (!isObject(raw)) return fail(`${where} is not an object`);
    const { path, type, size, mtimeNs, mode, uid, gid, sha256, linkTarget, xattrs } = raw;
    if (typeof path !== "string") return fail(`${where} has no "path"`);
    const problem = relativePathProblem(path);
    if (problem !== null) fail(`${where}: path ${JSON.stringify(path)} ${problem}`);
    if (seen.has(path)) fail(`${where}: path ${JSON.stringify(path)} is listed twice`);
    seen.add(path);
    if (!(ENTRY_TYPES as readonly unknown[]).includes(type)) {
      fail(`${where} (${path}): "type" must be one of ${ENTRY_TYPES.join(", ")}`);
    }
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : null;
    if (parent !== null && types.get(parent) !== "directory") {
      fail(`${where} (${path}): its folder ${JSON.stringify(parent)} is not listed before it`);
    }
    types.set(path, type as EntryType);
    if (!isCount(size)) fail(`${where} (${path}): "size" is not a byte count`);
    if (type !== "file" && size !== 0) fail(`${where} (${path}): a ${type} has size 0`);
    if (typeof mtimeNs !== "string" || !NS_PATTERN.test(mtimeNs)) {
      fail(`${where} (${path}): "mtimeNs" is not a decimal string of nanoseconds`);
    }
    if (!isCount(mode) || !isCount(uid) || !isCount(gid)) {
      fail(`${where} (${path}): "mode", "uid" and "gid" must be whole numbers`);
    }
    if (type === "file") {
      if (typeof sha256 !== "string" || !SHA256_PATTERN.test(sha256)) {
        fail(`${where} (${path}): "sha256" is not 64 lowercase hex digits`);
      }
    } else if (sha256 !== null) fail(`${where} (${path}): only files have a "sha256"`);
    if (type === "symlink") {
      if (typeof linkTarget !== "string" || linkTarget === "") {
        fail(`${where} (${path}): a symlink needs its "linkTarget"`);
      }
    } else if (linkTarget !== null) fail(`${where} (${path}): only symlinks have a "linkTarget"`);
    if (xattrs !== undefined) checkXattrs(xattrs, `${where} (${path})`, fail);
    return {
      path,
      type: type as EntryType,
      size: size as number,
      mtimeNs: mtimeNs as string,
      mode: mode as number,
      uid: uid as number,
      gid: gid as number,
      sha256: sha256 as string | null,
      linkTarget: linkTarget as string | null,
      ...(xattrs === undefined ? {} : { xattrs: xattrs as UserXattrs }),
    };
  });
}

const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

function checkXattrs(value: unknown, where: string, fail: (problem: string) => never): void {
  if (!isObject(value)) fail(`${where}: "xattrs" is not an object`);
  for (const [name, encoded] of Object.entries(value as Fields)) {
    if (!name.startsWith("user."))
      fail(`${where}: "xattrs" holds ${JSON.stringify(name)}, not a user attribute`);
    if (typeof encoded !== "string" || !BASE64_PATTERN.test(encoded)) {
      fail(`${where}: the value of ${JSON.stringify(name)} is not base64`);
    }
  }
}
