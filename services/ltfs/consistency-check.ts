import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../../shared/logging/index.ts";
import { MANIFEST_SUFFIX, readManifest } from "../../shared/manifest/index.ts";
import type { CatalogFolder } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { INCOMPLETE_FOLDER } from "./incomplete-copies.ts";
import { LTFS_SERVICE_ERROR_CODES as CODES, ltfsServiceError } from "./ltfs-service-errors.ts";

/** Problems named in the error; the rest are counted. */
const MAX_LISTED = 10;

export interface ConsistencyRequest {
  readonly mountPoint: string;
  readonly barcode: string;
  readonly driveElement: number;
  /** The folders the catalog has archived on this tape (`tape-contents`). */
  readonly folders: readonly CatalogFolder[];
  /**
   * The name the running archive job writes under: its complete copy may already be on the
   * tape from a run interrupted before the catalog heard of it.
   */
  readonly ownTargetName: string | null;
  readonly catalog: CatalogClient;
  readonly log: Logger;
}

export interface ConsistencyResult {
  /** Complete folders (with their manifests) on the tape. */
  readonly completeOnTape: number;
  /** Incomplete copies (a folder without its manifest) that no archived folder claims. */
  readonly incomplete: readonly string[];
}

/**
 * Compares the tape's top level with the catalog: every folder archived on this tape must be
 * there with its manifest, and every complete folder there must be known to the catalog (an
 * archived folder, the running job's own name, or the copy left by an archive of a folder the
 * catalog has under that name that did not finish here). Throws TAPE_CATALOG_MISMATCH
 * listing what differs; changes nothing.
 */
export async function checkTapeAgainstCatalog(
  request: ConsistencyRequest,
): Promise<ConsistencyResult> {
  const { mountPoint, barcode } = request;
  const entries = await readdir(mountPoint, { withFileTypes: true });
  const folders = new Set(entries.filter(isVisibleFolder).map((entry) => entry.name));
  const manifests = new Set(
    entries
      .filter((entry) => entry.isFile() && entry.name.endsWith(MANIFEST_SUFFIX))
      .map((entry) => entry.name.slice(0, -MANIFEST_SUFFIX.length)),
  );

  const problems: string[] = [];
  const known = new Set<string>();
  for (const folder of request.folders) {
    const name = folder.targetName;
    if (name === null) {
      problems.push(`the catalog has ${folder.path} archived on this tape without a name on tape`);
      continue;
    }
    known.add(name);
    if (!folders.has(name)) {
      problems.push(`${name} (archived from ${folder.path}) is missing from the tape`);
    } else if (
      !manifests.has(name) &&
      (folder.checksumsFrom === undefined || folder.checksumsFrom === "original")
    ) {
      // Only what pytarchive copied has a manifest; an imported foreign folder never had one.
      problems.push(`${name} (archived from ${folder.path}) has no manifest on the tape`);
    }
  }

  const complete = [...folders].filter((name) => manifests.has(name));
  for (const name of complete) {
    if (known.has(name) || name === request.ownTargetName) continue;
    const unknown = await describeUnknownCopy(request, name);
    if (unknown !== null) problems.push(unknown);
  }

  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED).join("; ");
    const more = problems.length > MAX_LISTED ? `; and ${problems.length - MAX_LISTED} more` : "";
    throw ltfsServiceError(
      CODES.catalogMismatch,
      `Tape ${barcode} in drive ${request.driveElement} does not hold what the catalog says: ${listed}${more}. Nothing was written to it.`,
      `Check that the cartridge labelled ${barcode} really is that tape (labels can be swapped) and that no one changed the tape elsewhere; \`pytarchive summary\` lists what the catalog has on it.`,
    );
  }
  const incomplete = [...folders].filter((name) => !manifests.has(name) && !known.has(name));
  return { completeOnTape: complete.length, incomplete };
}

/**
 * Null when the catalog knows this complete copy after all: its manifest names a folder the
 * catalog has under this name, whose archive did not end on this tape (it failed after the
 * copy, is being retried, or went to another tape later). LTFS cannot free such a copy, so it
 * is no reason to refuse the tape. Otherwise what to tell the operator about it.
 */
async function describeUnknownCopy(
  request: ConsistencyRequest,
  name: string,
): Promise<string | null> {
  let originalPath: string;
  try {
    originalPath = (await readManifest(path.join(request.mountPoint, `${name}${MANIFEST_SUFFIX}`)))
      .folder.originalPath;
  } catch (error) {
    request.log.warn("unreadable manifest on the tape", { name, error });
    return `${name} is on the tape (with a manifest that cannot be read) but not in the catalog`;
  }
  const { folder } = await request.catalog.call("folder-get", { path: originalPath });
  if (folder !== null && folder.targetName === name) {
    request.log.info("a complete copy left by an unfinished archive is on the tape", {
      name,
      folder: originalPath,
      state: folder.state,
      archivedOn: folder.tapeBarcode,
    });
    return null;
  }
  return `${name} (a complete copy of ${originalPath}) is on the tape but not in the catalog`;
}

function isVisibleFolder(entry: Dirent): boolean {
  return entry.isDirectory() && entry.name !== INCOMPLETE_FOLDER;
}
