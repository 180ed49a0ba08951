import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { differenceFromOriginal } from "../../../services/ltfs/copy-matches-original.ts";
import { copyFolderToTape } from "../../../services/ltfs/engine/index.ts";
import { type Manifest, manifestPathFor, readManifest } from "../../../shared/manifest/index.ts";
import type { CatalogFolder } from "../../../shared/messages/catalog-requests.ts";

/*
 * Whether a complete copy on tape (a real one, written by the copy engine) still is the
 * original as it is now: a copy a failed job left must not become the archive of a changed one.
 */

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-copy-matches-"));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function write(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
}

/** An original with a file, a nested one, a link and an excluded folder, copied to a "tape". */
async function copied(): Promise<{ original: string; manifest: Manifest; folder: CatalogFolder }> {
  counter += 1;
  const original = path.join(root, `original-${counter}`);
  await write(path.join(original, "readme.txt"), "the readme\n");
  await write(path.join(original, "data", "a.bin"), "0123456789");
  await write(path.join(original, ".cache", "skip.bin"), "cached");
  await fs.symlink("readme.txt", path.join(original, "link"));
  const destination = path.join(root, `tape-${counter}`, "copy");
  await fs.mkdir(path.dirname(destination), { recursive: true });
  await copyFolderToTape({
    source: original,
    destination,
    exclude: [".cache"],
    description: "test",
    originalPath: original,
    compression: null,
  });
  const manifest = await readManifest(manifestPathFor(destination));
  return { original, manifest, folder: folderOf(original) };
}

function folderOf(original: string, packed: string | null = null): CatalogFolder {
  return {
    path: original,
    description: "test",
    state: "prepared",
    compressed: packed !== null,
    archivePath: packed,
  } as unknown as CatalogFolder;
}

const EXCLUDE = [".cache"];

describe("differenceFromOriginal", () => {
  it("finds none while the original is as it was copied, whatever happens in excluded folders or to folder times", async () => {
    const { original, manifest, folder } = await copied();
    await write(path.join(original, ".cache", "new.bin"), "more cache");
    await fs.utimes(path.join(original, "data"), new Date(), new Date());
    expect(await differenceFromOriginal(manifest, folder, EXCLUDE)).toBeNull();
  });

  it("names a file whose content changed at the same size (its time changed)", async () => {
    const { original, manifest, folder } = await copied();
    await write(path.join(original, "data", "a.bin"), "9876543210");
    // A later time for sure: within one kernel clock tick of the copy it could read the same.
    const later = new Date(Date.now() + 5_000);
    await fs.utimes(path.join(original, "data", "a.bin"), later, later);
    expect(await differenceFromOriginal(manifest, folder, EXCLUDE)).toBe(
      "data/a.bin changed (size, time or link target)",
    );
  });

  it("names a new file, a file gone and a link pointing elsewhere", async () => {
    const added = await copied();
    await write(path.join(added.original, "data", "b.bin"), "new");
    expect(await differenceFromOriginal(added.manifest, added.folder, EXCLUDE)).toBe(
      "data/b.bin is new",
    );

    const removed = await copied();
    await fs.rm(path.join(removed.original, "readme.txt"));
    expect(await differenceFromOriginal(removed.manifest, removed.folder, EXCLUDE)).toBe(
      "readme.txt is gone",
    );

    const relinked = await copied();
    await fs.rm(path.join(relinked.original, "link"));
    await fs.symlink("data/a.bin", path.join(relinked.original, "link"));
    expect(await differenceFromOriginal(relinked.manifest, relinked.folder, EXCLUDE)).toBe(
      "link changed (size, time or link target)",
    );
  });

  it("compares a packed folder's copy with its packed archive", async () => {
    counter += 1;
    const packed = path.join(root, `scratch-${counter}`, "srv_alpha-0badf00d.tar.zst");
    await write(packed, "pretend tar.zst content");
    // The write step stages the archive alone in a folder (a hard link): what the engine copies.
    const staged = path.join(root, `staged-${counter}`);
    await fs.mkdir(staged);
    await fs.link(packed, path.join(staged, path.basename(packed)));
    const destination = path.join(root, `tape-${counter}`, "alpha");
    await fs.mkdir(path.dirname(destination), { recursive: true });
    await copyFolderToTape({
      source: staged,
      destination,
      exclude: [],
      description: "packed",
      originalPath: "/srv/alpha",
      compression: "zstd",
    });
    const manifest = await readManifest(manifestPathFor(destination));
    const folder = folderOf("/srv/alpha", packed);
    expect(await differenceFromOriginal(manifest, folder, [])).toBeNull();

    // Prepared again: a new archive under the same name.
    await fs.rm(packed);
    await write(packed, "another tar.zst, longer than before");
    expect(await differenceFromOriginal(manifest, folder, [])).toBe(
      "srv_alpha-0badf00d.tar.zst changed (size, time or link target)",
    );
    // A copy written unpacked is not the packed folder's.
    const plain = await copied();
    expect(await differenceFromOriginal(plain.manifest, folderOf(plain.original, packed), [])).toBe(
      "the folder is now packed",
    );
  });
});
