import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compressionOfArchive,
  tarExtractArguments,
  unpackArchive,
} from "../../../services/ltfs/engine/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { restorableView, snapshotTree, writeRandomFile } from "./tree-snapshot.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-unpack-"));
const folder = path.join(root, "project");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  writeRandomFile(path.join(folder, "data", "run 3", "résultats.bin"), 200_000);
  writeRandomFile(path.join(folder, "notes.txt"), 900);
  fs.chmodSync(path.join(folder, "notes.txt"), 0o600);
  fs.utimesSync(path.join(folder, "notes.txt"), 1_600_000_000, 1_600_000_000);
  for (const [name, flag] of [
    ["project.tar.zst", "--zstd"],
    ["project.tar.gz", "-z"],
  ] as const) {
    expectExit(
      await runCommand("tar", ["-c", flag, "-f", path.join(root, name), "-C", folder, "."]),
    );
  }
});

/** tar stores whole seconds by default; compare what it keeps. */
function tarView(dir: string) {
  return restorableView(snapshotTree(dir)).map((entry) => ({
    ...entry,
    mtimeUs: entry.type === "directory" ? null : entry.mtimeUs / 1_000_000n,
  }));
}

describe("tarExtractArguments", () => {
  it("builds tar's argument array, members after --", () => {
    expect(
      tarExtractArguments({
        archive: "/scratch/a b.tar.zst",
        target: "/srv/restore",
        compression: "zstd",
        members: ["alpha/-odd name"],
        stripComponents: 1,
      }),
    ).toEqual([
      "-x",
      "--zstd",
      "-f",
      "/scratch/a b.tar.zst",
      "-C",
      "/srv/restore",
      "--no-same-owner",
      "--xattrs",
      "--xattrs-include=user.*",
      "--strip-components=1",
      "--",
      "alpha/-odd name",
    ]);
    expect(tarExtractArguments({ archive: "/a.tgz", target: "/t", compression: "gzip" })).toEqual([
      "-x",
      "-z",
      "-f",
      "/a.tgz",
      "-C",
      "/t",
      "--no-same-owner",
      "--xattrs",
      "--xattrs-include=user.*",
    ]);
  });

  it("reads the compression from the archive's name", () => {
    expect(compressionOfArchive("/x/ada.tar.zst")).toBe("zstd");
    expect(compressionOfArchive("/x/ada.TZST")).toBe("zstd");
    expect(compressionOfArchive("/x/ada.tar.gz")).toBe("gzip");
    expect(compressionOfArchive("/x/ada.tgz")).toBe("gzip");
    expect(compressionOfArchive("/x/ada.tar")).toBeNull();
  });
});

describe("unpackArchive", () => {
  it("unpacks a zstd archive into a new folder, content, modes and times as archived", async () => {
    const target = path.join(root, "restored-zstd", "deeper");
    await unpackArchive({ archive: path.join(root, "project.tar.zst"), target });
    expect(tarView(target)).toEqual(tarView(folder));
  });

  it("unpacks a gzip archive into an empty folder", async () => {
    const target = path.join(root, "restored-gzip");
    fs.mkdirSync(target);
    await unpackArchive({ archive: path.join(root, "project.tar.gz"), target });
    expect(tarView(target)).toEqual(tarView(folder));
  });

  it("unpacks only the members asked for", async () => {
    const target = path.join(root, "restored-member");
    await unpackArchive({
      archive: path.join(root, "project.tar.zst"),
      target,
      members: ["./data/run 3"],
    });
    expect(snapshotTree(target).map((entry) => entry.path)).toEqual([
      "data",
      "data/run 3",
      "data/run 3/résultats.bin",
    ]);
  });

  it("refuses a target that is not empty, before running tar", async () => {
    const target = path.join(root, "occupied");
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, "mine.txt"), "keep");
    await expect(
      unpackArchive({ archive: path.join(root, "project.tar.zst"), target }),
    ).rejects.toMatchObject({ code: "TARGET_NOT_EMPTY" });
    expect(fs.readdirSync(target)).toEqual(["mine.txt"]);
  });

  it("reports a damaged archive with tar's own words", async () => {
    const damaged = path.join(root, "damaged.tar.zst");
    fs.writeFileSync(damaged, "this is not zstd data at all");
    const error = await unpackArchive({
      archive: damaged,
      target: path.join(root, "from-damaged"),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "RESTORE_UNPACK_FAILED" });
    expect((error as Error).message).toMatch(/tar exited with status 2: .*/);
  });
});
