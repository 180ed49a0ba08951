import { readlink } from "node:fs/promises";
import path from "node:path";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  MANIFEST_ERROR_CODES,
  type Manifest,
  type ManifestEntry,
  manifestPathFor,
  readManifest,
} from "../../shared/manifest/index.ts";
import type { CatalogFile, CatalogFolder } from "../../shared/messages/index.ts";
import { type CatalogClient, readFolderFiles } from "../../shared/nats/index.ts";
import { describeMismatch } from "./describe-problems.ts";
import {
  type ExpectedEntry,
  listTapeTree,
  VerifyFolderMissingError,
  type VerifyProgress,
  verifyFolderOnTape,
} from "./engine/index.ts";

/** How one archived folder fared in a fixity check. */
export interface FolderCheck {
  readonly path: string;
  /** What is wrong, one line each (paths relative to the folder); empty when all is well. */
  readonly problems: readonly string[];
  readonly filesChecked: number;
  readonly bytesChecked: number;
}

export interface CheckFolderRequest {
  readonly catalog: CatalogClient;
  /** An archived folder as the catalog has it. */
  readonly folder: CatalogFolder;
  /** Where its tape is mounted. */
  readonly mountPoint: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: VerifyProgress) => void;
}

/**
 * Checks one archived folder on the mounted tape against the catalog: the catalog's files
 * (size, SHA-256, in tape order) are the truth for content, the manifest on the tape says
 * which folders and links belong to it. Every file is read back once. A file the manifest and
 * the catalog disagree on is a problem of its own, as are a missing manifest and a manifest of
 * another folder. Problems are returned, not thrown; only an abort throws.
 *
 * @example
 * const { problems } = await checkArchivedFolder({ catalog, folder, mountPoint: "/ltfs0" });
 * problems // ["data/a.bin: checksum differs (recorded 9f86d081884c…, read 03ac674216f3…)"]
 */
export async function checkArchivedFolder(request: CheckFolderRequest): Promise<FolderCheck> {
  const { catalog, folder, mountPoint, signal } = request;
  const problems: string[] = [];
  const result = (filesChecked = 0, bytesChecked = 0): FolderCheck => ({
    path: folder.path,
    problems,
    filesChecked,
    bytesChecked,
  });
  if (folder.targetName === null) {
    problems.push("the catalog has no name on tape for this folder, so it cannot be found");
    return result();
  }
  const folderOnTape = path.join(mountPoint, folder.targetName);
  const readBack = async (expected: readonly ExpectedEntry[]): Promise<FolderCheck> => {
    const report = await verifyFolderOnTape({
      folderOnTape,
      expected,
      ...(signal === undefined ? {} : { signal }),
      ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
    });
    problems.push(...report.mismatches.map(describeMismatch));
    return result(report.filesChecked, report.bytesChecked);
  };
  const files = await readFolderFiles(catalog, folder.path, { signal });
  if (folder.checksumsFrom !== undefined && folder.checksumsFrom !== "original") {
    // Written without a manifest (the original pytarchive, `cp`): the tape's own folders and
    // links are the structure, the catalog's files the content.
    const structure = await structureOnTape(folderOnTape);
    if (structure === null) {
      problems.push(`${folderOnTape} is not on the mounted tape`);
      return result();
    }
    const expected = [
      ...structure,
      ...expectedEntries(files, null, problems).filter((entry) => entry.type === "file"),
    ];
    return readBack(expected);
  }
  const manifest = await readManifestOrProblem(manifestPathFor(folderOnTape), problems);
  if (manifest !== null && manifest.folder.originalPath !== folder.path) {
    problems.push(
      `${path.basename(manifestPathFor(folderOnTape))}: describes ${manifest.folder.originalPath}, not ${folder.path}`,
    );
  }
  const expected = expectedEntries(files, manifest, problems);
  try {
    return await readBack(expected);
  } catch (error) {
    if (!(error instanceof VerifyFolderMissingError)) throw error;
    problems.push(`${folderOnTape} is not on the mounted tape`);
    return result();
  }
}

const MANIFEST_CODES: ReadonlySet<string> = new Set(Object.values(MANIFEST_ERROR_CODES));

async function readManifestOrProblem(
  manifestPath: string,
  problems: string[],
): Promise<Manifest | null> {
  try {
    return await readManifest(manifestPath);
  } catch (error) {
    if (!(error instanceof PytarchiveError) || !MANIFEST_CODES.has(error.code)) throw error;
    problems.push(error.message);
    return null;
  }
}

/**
 * What the tape should hold: the manifest's folders and links, then the catalog's files in
 * tape order, then files only the manifest lists (checked against the manifest). Where the two
 * records disagree, a problem is added.
 */
function expectedEntries(
  files: readonly CatalogFile[],
  manifest: Manifest | null,
  problems: string[],
): ExpectedEntry[] {
  const inManifest = new Map((manifest?.entries ?? []).map((entry) => [entry.path, entry]));
  const fromCatalog: ExpectedEntry[] = files.map((file) => {
    // The catalog keeps no extended attributes; the manifest's are checked with the file.
    const xattrs = inManifest.get(file.path)?.xattrs;
    return {
      path: file.path,
      type: "file",
      size: file.sizeBytes,
      sha256: file.sha256,
      ...(xattrs === undefined ? {} : { xattrs }),
    };
  });
  if (manifest === null) return [...impliedFolders(files), ...fromCatalog];

  const inCatalog = new Set(files.map((file) => file.path));
  for (const file of files) {
    const entry = inManifest.get(file.path);
    const disagreement = disagreementOf(file, entry);
    if (disagreement !== null) problems.push(`${file.path}: ${disagreement}`);
  }
  const onlyInManifest = manifest.entries.filter(
    (entry) => entry.type === "file" && !inCatalog.has(entry.path),
  );
  for (const entry of onlyInManifest) {
    problems.push(`${entry.path}: in the manifest but not in the catalog`);
  }
  const structure = manifest.entries.filter(
    (entry) => entry.type !== "file" && !inCatalog.has(entry.path),
  );
  return [...structure, ...fromCatalog, ...onlyInManifest];
}

function disagreementOf(file: CatalogFile, entry: ManifestEntry | undefined): string | null {
  if (entry === undefined) return "in the catalog but not in the manifest";
  if (entry.type !== "file") return `the catalog has a file, the manifest a ${entry.type}`;
  if (entry.size !== file.sizeBytes) {
    return `the manifest records ${entry.size} bytes, the catalog ${file.sizeBytes}`;
  }
  if (entry.sha256 !== file.sha256) {
    return `the manifest records checksum ${entry.sha256?.slice(0, 12)}…, the catalog ${file.sha256.slice(0, 12)}…`;
  }
  return null;
}

/** The folders and links of a folder on the tape (null: no such folder), as expected entries. */
async function structureOnTape(folderOnTape: string): Promise<ExpectedEntry[] | null> {
  let kinds: Map<string, string>;
  try {
    kinds = await listTapeTree(folderOnTape);
  } catch {
    return null;
  }
  const entries: ExpectedEntry[] = [];
  for (const [relative, kind] of kinds) {
    if (kind === "directory")
      entries.push({ path: relative, type: "directory", size: 0, sha256: null });
    else if (kind === "symlink") {
      const linkTarget = await readlink(path.join(folderOnTape, relative));
      entries.push({ path: relative, type: "symlink", size: 0, sha256: null, linkTarget });
    }
  }
  return entries;
}

/** Without a manifest, the folders the catalog's file paths pass through. */
function impliedFolders(files: readonly CatalogFile[]): ExpectedEntry[] {
  const folders = new Set<string>();
  for (const file of files) {
    const parts = file.path.split("/");
    for (let depth = 1; depth < parts.length; depth += 1) {
      folders.add(parts.slice(0, depth).join("/"));
    }
  }
  return [...folders].map((folder) => ({ path: folder, type: "directory", size: 0, sha256: null }));
}
