import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import { manifestPathFor, readManifest } from "../../shared/manifest/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { compareTrees, digestTree, type TreeDigest } from "../harness/tree-digest.ts";
import { type E2eStack, flipByte, startE2eStack, withTapeImage } from "./support.ts";

/*
 * The bar of the archive issue, through the CLI on the simulated library: prepare → archive →
 * verify → restore of a sample tree (and of a --compress one); the restored tree equals the
 * source; the source is unchanged after every operation; the catalog and the manifest on tape
 * agree; a byte changed on the tape is caught by verify and by restore; bad input is refused
 * with a clear error and changes nothing.
 */

const SOURCE_FIELDS = ["type", "size", "content", "mtimeUs", "mode", "ctimeNs"] as const;

let e2e: E2eStack;
let projects: string;
/** The tape every folder of this file goes to. */
let tape: string;

beforeAll(async () => {
  e2e = await startE2eStack();
  projects = path.join(e2e.home, "srv", "projects");
  // Restore targets are new folders in an existing one.
  await mkdir(path.join(e2e.home, "restored"));
  [tape] = (await dataTapes()) as [string];
}, 120_000);

afterAll(async () => {
  await e2e?.close();
}, 60_000);

async function dataTapes(): Promise<string[]> {
  const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
    "tapes",
  ]);
  return tapes.filter((tape) => !tape.cleaning).map((tape) => tape.barcode);
}

async function cleaningTape(): Promise<string | null> {
  const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
    "tapes",
  ]);
  return tapes.find((tape) => tape.cleaning)?.barcode ?? null;
}

describe("archive, verify and restore through the CLI on the simulated library", () => {
  let source: string;
  let before: TreeDigest;

  it("prepares, archives, verifies and restores a folder; the copy equals the source", async () => {
    source = path.join(projects, "2024", "Alpha Study");
    await makeSampleTree(source, {
      largeFiles: 2,
      largeFileBytes: 3 * 1024 * 1024,
      smallFiles: 60,
    });
    before = await digestTree(source);

    const prepared = await e2e.run(["prepare", source, "Alpha study, 2024"]);
    expect(prepared).toMatchObject({ state: "done" });
    expect(compareTrees(before, await digestTree(source), SOURCE_FIELDS)).toEqual([]);

    const archived = await e2e.run(["archive", source, tape]);
    expect(archived).toMatchObject({ state: "done" });
    expect(compareTrees(before, await digestTree(source), SOURCE_FIELDS)).toEqual([]);

    const summary = await e2e.cli.json<{
      tapes: { barcode: string; folders: { path: string; name: string }[] }[];
    }>(["summary"]);
    const onTape = summary.tapes.find((entry) => entry.barcode === tape)?.folders ?? [];
    expect(onTape.map((folder) => [folder.path, folder.name])).toEqual([
      [source, "projects_2024_Alpha Study"],
    ]);

    const verified = await e2e.run(["verify", source]);
    expect(verified).toMatchObject({ state: "done" });

    const target = path.join(e2e.home, "restored", "alpha");
    const restored = await e2e.run(["restore", source, target]);
    expect(restored).toMatchObject({ state: "done" });
    expect(
      compareTrees(await digestTree(source, { exclude: [".cache"] }), await digestTree(target)),
    ).toEqual([]);
    expect(compareTrees(before, await digestTree(source), SOURCE_FIELDS)).toEqual([]);
  }, 300_000);

  it("restores one subfolder's contents directly into the target, a leading / accepted, as the original did", async () => {
    const target = path.join(e2e.home, "restored", "alpha-analysis");
    const restored = await e2e.run(["restore", source, target, "-s", "/analysis/run-03/"]);
    expect(restored).toMatchObject({ state: "done" });
    expect(
      compareTrees(
        await digestTree(path.join(source, "analysis", "run-03")),
        await digestTree(target),
      ),
    ).toEqual([]);
  }, 120_000);

  it("has the same files in the catalog as in the manifest on the tape, and as in the source", async () => {
    const catalogFiles = await e2e.db.query<{
      relative_path: string;
      size_bytes: string;
      checksum: string;
    }>(
      `select f.relative_path, f.size_bytes, f.checksum from files f join folders d on d.id = f.folder_id
       where d.path = $1 order by f.relative_path collate "C"`,
      [source],
    );
    const fromCatalog = catalogFiles.rows.map((row) => [
      row.relative_path,
      Number(row.size_bytes),
      row.checksum,
    ]);
    const fromManifest = await withTapeImage(e2e.simulator, tape, "ro", async (mounted) => {
      const manifest = await readManifest(
        manifestPathFor(path.join(mounted, "projects_2024_Alpha Study")),
      );
      expect(manifest.folder.originalPath).toBe(source);
      expect(manifest.folder.description).toBe("Alpha study, 2024");
      return manifest.entries
        .filter((entry) => entry.type === "file")
        .map((entry) => [entry.path, entry.size, entry.sha256])
        .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
    });
    const fromSource = [...(await digestTree(source, { exclude: [".cache"] }))]
      .filter(([, entry]) => entry.type === "file")
      .map(([relative, entry]) => [relative, entry.size, entry.content])
      .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
    expect(fromCatalog.length).toBeGreaterThan(60);
    expect(fromCatalog).toEqual(fromManifest);
    expect(fromCatalog).toEqual(fromSource);
  }, 60_000);

  it("archives and restores a folder prepared with --compress", async () => {
    const packed = path.join(projects, "2023", "Beta Packed");
    await makeSampleTree(packed, {
      largeFiles: 1,
      largeFileBytes: 2 * 1024 * 1024,
      smallFiles: 40,
    });
    const packedBefore = await digestTree(packed);
    expect(await e2e.run(["prepare", packed, "Beta, packed", "--compress"])).toMatchObject({
      state: "done",
    });
    expect(await e2e.run(["archive", packed, tape])).toMatchObject({ state: "done" });
    const target = path.join(e2e.home, "restored", "beta");
    expect(await e2e.run(["restore", packed, target])).toMatchObject({ state: "done" });
    expect(
      compareTrees(await digestTree(packed, { exclude: [".cache"] }), await digestTree(target)),
    ).toEqual([]);
    // One subfolder of the packed folder: its contents directly in the target, as unpacked.
    const sub = path.join(e2e.home, "restored", "beta-run-03");
    expect(await e2e.run(["restore", packed, sub, "-s", "/analysis/run-03"])).toMatchObject({
      state: "done",
    });
    const below = (tree: TreeDigest): TreeDigest =>
      new Map([...tree].filter(([relative]) => relative !== ""));
    expect(
      compareTrees(
        below(await digestTree(path.join(packed, "analysis", "run-03"))),
        below(await digestTree(sub)),
      ),
    ).toEqual([]);
    expect(compareTrees(packedBefore, await digestTree(packed), SOURCE_FIELDS)).toEqual([]);
  }, 300_000);

  it("refuses bad input with a clear error and changes nothing", async () => {
    // Two prepared folders to be refused: one too big for the tape's 1 GiB, one for a name taken.
    const huge = path.join(projects, "2021", "Huge Scans");
    await mkdir(huge, { recursive: true });
    await expectExit(await runCommand("fallocate", ["-l", "1100M", path.join(huge, "scan.raw")]));
    expect(await e2e.run(["prepare", huge, "too big for one tape"])).toMatchObject({
      state: "done",
    });
    const other = path.join(projects, "2021", "Other");
    await makeSampleTree(other, { largeFiles: 0, smallFiles: 3 });
    expect(await e2e.run(["prepare", other, "another folder"])).toMatchObject({ state: "done" });

    const queueBefore = await e2e.cli.json<unknown>(["queue"]);
    const foldersBefore = await e2e.db.query("select path, state from folders order by path");
    const unprepared = path.join(projects, "2022", "Never Prepared");
    await makeSampleTree(unprepared, { largeFiles: 0, smallFiles: 3 });
    const cleaning = await cleaningTape();
    const nonEmpty = path.join(e2e.home, "restored", "alpha");
    const cases: [string[], RegExp][] = [
      [["archive", huge, tape], /does not fit on tape/i],
      [["archive", other, tape, "-t", "projects_2024_Alpha Study"], /already has a folder named/i],
      [["archive", unprepared, tape], /not prepared|prepare it first/i],
      [["archive", source, tape], /already archived|is archived|not prepared/i],
      [["archive", source, "NOPE99L9"], /not in the catalog/i],
      [["restore", source, nonEmpty], /not empty/i],

      [["archive", "/does/not/exist", tape], /does not exist|no such/i],
    ];
    if (cleaning !== null) cases.push([["archive", source, cleaning], /cleaning/i]);
    for (const [args, message] of cases) {
      const result = await e2e.cli.run(args);
      expect(result.exitCode, `pytarchive ${args.join(" ")}`).toBe(1);
      expect(result.stderr, `pytarchive ${args.join(" ")}`).toMatch(message);
    }
    expect(await e2e.cli.json<unknown>(["queue"])).toEqual(queueBefore);
    expect((await e2e.db.query("select path, state from folders order by path")).rows).toEqual(
      foldersBefore.rows,
    );
  }, 120_000);

  it("catches a byte changed on the tape after archiving, in verify and in restore", async () => {
    const victim = "raw data/scan 1.bin";
    await withTapeImage(e2e.simulator, tape, "rw", async (mounted) => {
      const file = path.join(mounted, "projects_2024_Alpha Study", victim);
      await flipByte(file, 1_234_567);
    });
    const verified = await e2e.run(["verify", source]);
    expect(verified.state).toBe("failed");
    expect(verified.state === "failed" ? verified.error : "").toContain(victim);

    const target = path.join(e2e.home, "restored", "alpha-again");
    const restored = await e2e.run(["restore", source, target]);
    expect(restored.state).toBe("failed");
    expect(restored.state === "failed" ? restored.error : "").toContain(victim);
    // The other files came back; the bad one is set aside under a name that says so.
    const names = await readdir(path.join(target, "raw data"));
    expect(names.some((name) => name.startsWith("scan 1.bin") && name !== "scan 1.bin")).toBe(true);
    expect(compareTrees(before, await digestTree(source), SOURCE_FIELDS)).toEqual([]);
  }, 300_000);
});
