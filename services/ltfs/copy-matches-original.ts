import { lstat } from "node:fs/promises";
import path from "node:path";
import type { Manifest, ManifestEntry } from "../../shared/manifest/index.ts";
import type { CatalogFolder } from "../../shared/messages/index.ts";
import { createExcludeFilter, scanFolder } from "./engine/index.ts";

/** What a copy's manifest and the original agree on: enough to tell a change, no re-hashing. */
interface Listed {
  readonly type: string;
  readonly size: number;
  readonly mtimeNs: string;
  readonly linkTarget: string | null;
}

/**
 * How a complete copy on tape differs from what would be written now, or null when it does not:
 * every path, type, size and modification time of the manifest against a listing of the
 * original (its packed archive when compressed). A copy left by a job that failed before its
 * folder was archived may be older than the original (changed since), and its read-back only
 * compares the tape with its own manifest: kept, it would become the archive without the change.
 * Folders count by name only (their times change with any listing of their contents).
 *
 * @example
 * await differenceFromOriginal(manifest, folder, [".cache"]); // "data/b.dat changed (size or time)"
 */
export async function differenceFromOriginal(
  manifest: Manifest,
  folder: CatalogFolder,
  exclude: readonly string[],
): Promise<string | null> {
  if ((manifest.folder.compression === null) === folder.compressed) {
    return folder.compressed ? "the folder is now packed" : "the folder is no longer packed";
  }
  const written = new Map(manifest.entries.map((entry) => [entry.path, listedOf(entry)]));
  const now = await listOriginal(folder, exclude);
  for (const [relative, current] of now) {
    const before = written.get(relative);
    if (before === undefined) return `${relative} is new`;
    if (before.type !== current.type) return `${relative} is now a ${current.type}`;
    if (current.type === "directory") continue;
    if (
      before.size !== current.size ||
      before.mtimeNs !== current.mtimeNs ||
      before.linkTarget !== current.linkTarget
    ) {
      return `${relative} changed (size, time or link target)`;
    }
  }
  for (const relative of written.keys()) {
    if (!now.has(relative)) return `${relative} is gone`;
  }
  return null;
}

function listedOf(entry: ManifestEntry): Listed {
  return {
    type: entry.type,
    size: entry.type === "file" ? entry.size : 0,
    mtimeNs: entry.mtimeNs,
    linkTarget: entry.linkTarget,
  };
}

/** The original as the copy engine would list it now (a packed folder: its one archive). */
async function listOriginal(
  folder: CatalogFolder,
  exclude: readonly string[],
): Promise<Map<string, Listed>> {
  if (folder.compressed && folder.archivePath !== null) {
    const stats = await lstat(folder.archivePath, { bigint: true });
    return new Map([
      [
        path.basename(folder.archivePath),
        {
          type: "file",
          size: Number(stats.size),
          mtimeNs: stats.mtimeNs.toString(),
          linkTarget: null,
        },
      ],
    ]);
  }
  const scan = await scanFolder(folder.path, createExcludeFilter(exclude));
  return new Map(
    scan.entries.map((entry) => [
      entry.path,
      {
        type: entry.type,
        size: entry.type === "file" ? entry.size : 0,
        mtimeNs: entry.mtimeNs.toString(),
        linkTarget: entry.linkTarget,
      },
    ]),
  );
}
