import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareTrees, digestTree, type TreeDigest } from "../harness/tree-digest.ts";
import { type E2eStack, simulatedMountPoints, startE2eStack } from "./support.ts";

/*
 * Issue 9, findings 2 and 3: originals are read-only to pytarchive. Two folders A and B are
 * archived; then restores into, onto or around them (or into scratch_path, the state folder or a
 * drive's mount point) and prepares of a folder inside or around A (or around scratch_path, or
 * inside the state folder) are refused at the CLI with a message naming the original, nothing
 * is queued, and not one file of the originals changed (paths, sizes, mtimes, modes, contents,
 * ctimes).
 */

let e2e: E2eStack;
let projects: string;
let folderA: string;
let folderB: string;
/** Archived, then deleted by its owner (as `deleteable` allows): the catalog still knows it. */
let folderC: string;
let before: TreeDigest;

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), content);
  }
}

async function jobCount(): Promise<number> {
  const result = await e2e.db.query<{ n: number }>("select count(*)::int as n from jobs");
  return Number(result.rows[0]?.n);
}

beforeAll(async () => {
  e2e = await startE2eStack();
  projects = path.join(e2e.home, "srv", "projects");
  folderA = path.join(projects, "alpha");
  folderB = path.join(projects, "beta");
  await writeFiles(folderA, { "readme.txt": "alpha\n", "sub/data.csv": "1,2,3\n" });
  await mkdir(path.join(folderA, "emptysub"));
  await writeFiles(folderB, { "notes.md": "# beta\n" });
  folderC = path.join(projects, "old", "gamma");
  await writeFiles(folderC, { "gamma.txt": "gamma\n" });
  const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
    "tapes",
  ]);
  const tape = tapes.find((entry) => !entry.cleaning)?.barcode as string;
  for (const folder of [folderA, folderB, folderC]) {
    expect(await e2e.run(["prepare", folder, `project ${path.basename(folder)}`])).toMatchObject({
      state: "done",
    });
    expect(await e2e.run(["archive", folder, tape])).toMatchObject({ state: "done" });
  }
  await rm(folderC, { recursive: true });
  before = await digestTree(projects);
}, 400_000);

afterAll(async () => {
  await e2e?.close();
}, 60_000);

describe("originals are read-only to pytarchive", () => {
  async function expectRefused(args: readonly string[], message: RegExp): Promise<void> {
    const jobs = await jobCount();
    const result = await e2e.cli.run(args);
    expect(result.exitCode, result.stdout).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^hint: \S/m);
    expect(await jobCount(), "nothing was queued").toBe(jobs);
  }

  it("refuses a restore target inside the folder being restored", () =>
    expectRefused(
      ["restore", folderA, path.join(folderA, "emptysub")],
      new RegExp(`restore target ${folderA}/emptysub is inside the original folder ${folderA}`),
    ));

  it("refuses a restore target inside another archived original", () =>
    expectRefused(
      ["restore", folderA, path.join(folderB, "newsub")],
      new RegExp(`restore target ${folderB}/newsub is inside the original folder ${folderB}`),
    ));

  it("refuses a restore target that is an original, or contains one, even once deleted", async () => {
    await expectRefused(
      ["restore", folderA, folderC],
      new RegExp(`restore target ${folderC} is the original folder ${folderC}`),
    );
    const old = path.dirname(folderC);
    await expectRefused(
      ["restore", folderA, old],
      new RegExp(`restore target ${old} contains the original folder ${folderC}`),
    );
  });

  it("refuses a restore target reached through a symlink into an original", async () => {
    const link = path.join(e2e.home, "link-to-beta");
    await symlink(folderB, link);
    await expectRefused(
      ["restore", folderA, path.join(link, "newsub")],
      new RegExp(`is inside the original folder ${folderB}`),
    );
  });

  it("refuses a restore target inside scratch_path", async () => {
    const scratch = path.join(e2e.state, "scratch");
    await mkdir(scratch, { recursive: true });
    await expectRefused(
      ["restore", folderA, path.join(scratch, "x")],
      new RegExp(`overlaps pytarchive's scratch folder ${scratch}`),
    );
  });

  it("refuses a restore target in a drive's mount point or in the state folder", async () => {
    const [mountPoint] = await simulatedMountPoints(e2e.simulator);
    expect(mountPoint).toBeDefined();
    await expectRefused(
      ["restore", folderA, path.join(mountPoint as string, "x")],
      new RegExp(`overlaps pytarchive's tape mount point ${mountPoint}`),
    );
    await expectRefused(
      ["restore", folderA, path.join(e2e.state, "restored")],
      new RegExp(`overlaps pytarchive's state folder ${e2e.state}`),
    );
  });

  it("refuses to prepare a folder containing scratch_path or inside the state folder", async () => {
    // --compress: tar would have written the archive into the very folder it reads.
    await expectRefused(
      ["prepare", e2e.home, "everything", "--compress"],
      new RegExp(`${e2e.home} contains pytarchive's scratch folder ${e2e.state}/scratch`),
    );
    const inState = path.join(e2e.state, "kept-by-hand");
    await mkdir(inState, { recursive: true });
    await expectRefused(
      ["prepare", inState, "inside the state folder"],
      new RegExp(`${inState} is inside pytarchive's state folder ${e2e.state}`),
    );
  });

  it("refuses to prepare a folder inside an archived one, naming it", () =>
    expectRefused(
      ["prepare", path.join(folderA, "sub"), "part of alpha"],
      new RegExp(`${folderA}/sub is inside ${folderA}, which is archived`),
    ));

  it("refuses to prepare the parent of an archived folder, naming it", () =>
    expectRefused(
      ["prepare", projects, "all projects"],
      new RegExp(`${projects} contains ${projects}/(alpha|beta), which is archived`),
    ));

  it("left every file of the originals as it was", async () => {
    expect(compareTrees(before, await digestTree(projects))).toEqual([]);
  });
});
