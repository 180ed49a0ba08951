import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { type E2eStack, startE2eStack } from "./support.ts";

/*
 * Scratch is cleaned: the packed archive of a --compress folder leaves scratch_path once the
 * folder is archived and read back; at start, packed archives pytarchive made that no folder
 * refers to any more are removed. A file pytarchive did not make stays, however much it looks
 * like one of its archives.
 */

const TREE = { largeFiles: 1, largeFileBytes: 512 * 1024, smallFiles: 30 };

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

async function archivePathOf(e2e: E2eStack, folder: string): Promise<string> {
  const { rows } = await e2e.db.query<{ archive_path: string | null }>(
    "select archive_path from folders where path = $1",
    [folder],
  );
  const archive = rows[0]?.archive_path;
  if (!archive) throw new Error(`the catalog records no packed archive for ${folder}`);
  return archive;
}

/** Waits until `file` is gone; false when it is still there after `timeoutMs`. */
async function goneWithin(file: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await exists(file))) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return !(await exists(file));
}

describe("scratch_path is cleaned of pytarchive's own packed archives only", () => {
  let e2e: E2eStack;
  let scratch: string;
  let foreign: string[];

  beforeAll(async () => {
    e2e = await startE2eStack();
    scratch = path.join(e2e.state, "scratch");
    // Files someone else put there, named like packed archives (one even like the next folder's).
    foreign = [
      path.join(scratch, "projects_2024_theirs-0123abcd.tar.zst"),
      path.join(scratch, "srv_projects_packed-00000000.tar.zst"),
      path.join(scratch, "srv_projects_packed-00000000.tar.zst.partial"),
    ];
  }, 120_000);

  afterAll(async () => {
    await e2e?.close();
  }, 120_000);

  async function expectForeignFilesKept(): Promise<void> {
    for (const file of foreign) {
      expect(await readFile(file, "utf8")).toBe(`not pytarchive's: ${path.basename(file)}\n`);
    }
  }

  it("removes a folder's archive once it is archived and read back; other files stay", async () => {
    const source = path.join(e2e.home, "srv", "projects", "packed");
    await makeSampleTree(source, TREE);
    expect(await e2e.run(["prepare", source, "scratch test", "--compress"])).toMatchObject({
      state: "done",
    });
    for (const file of foreign) await writeFile(file, `not pytarchive's: ${path.basename(file)}\n`);
    const archive = await archivePathOf(e2e, source);
    expect(path.dirname(archive)).toBe(scratch);
    expect(await exists(archive)).toBe(true);

    const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
      "tapes",
    ]);
    const tape = tapes.find((line) => !line.cleaning)?.barcode as string;
    expect(await e2e.run(["archive", source, tape])).toMatchObject({ state: "done" });
    expect(await goneWithin(archive, 60_000)).toBe(true);
    await expectForeignFilesKept();
  }, 600_000);

  it("at start removes a recorded archive no folder refers to any more, and nothing else", async () => {
    const source = path.join(e2e.home, "srv", "projects", "orphaned");
    await makeSampleTree(source, TREE);
    expect(await e2e.run(["prepare", source, "scratch test", "--compress"])).toMatchObject({
      state: "done",
    });
    const archive = await archivePathOf(e2e, source);
    await e2e.stack.stop();
    // While pytarchive is down the folder stops referring to it (as after a prepare redone).
    await e2e.db.query(
      "update folders set archive_path = null, compressed = false where path = $1",
      [source],
    );
    expect(await exists(archive)).toBe(true);

    await e2e.restart();
    expect(await goneWithin(archive, 30_000)).toBe(true);
    await expectForeignFilesKept();
  }, 600_000);
});
