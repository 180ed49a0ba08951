import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  ArchiveAbortedError,
  type CopyProgress,
  copyFolderToTape,
  readManifest,
} from "../../../services/ltfs/engine/index.ts";
import { ageTree, restorableView, snapshotTree, writeRandomFile } from "./tree-snapshot.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-copy-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let source: string;
let tape: string;
let counter = 0;

/** A small tree with what matters: nesting, empty files, odd names, a link, an excluded folder. */
function makeTree(dir: string): void {
  writeRandomFile(path.join(dir, "docs", "readme.txt"), 1500);
  writeRandomFile(path.join(dir, "docs", "deep", "er", "notes with spaces.md"), 70_000);
  writeRandomFile(path.join(dir, "data", "Résumé – ünïcødé.bin"), 1024 * 1024 + 1);
  writeRandomFile(path.join(dir, "data", "exactly-one-mib.bin"), 1024 * 1024);
  writeRandomFile(path.join(dir, "data", "日本語", "ファイル.txt"), 333);
  writeRandomFile(path.join(dir, "big.bin"), 3 * 1024 * 1024 + 17);
  fs.writeFileSync(path.join(dir, "empty.txt"), "");
  fs.mkdirSync(path.join(dir, "empty folder"));
  writeRandomFile(path.join(dir, ".cache", "pip", "wheel.whl"), 5000);
  writeRandomFile(path.join(dir, "src", ".cache", "keep.txt"), 10);
  fs.symlinkSync("docs/readme.txt", path.join(dir, "readme-link"));
  fs.symlinkSync("/nonexistent/target", path.join(dir, "dangling-link"));
  fs.chmodSync(path.join(dir, "docs", "readme.txt"), 0o640);
  fs.chmodSync(path.join(dir, "big.bin"), 0o4755);
  fs.chmodSync(path.join(dir, "docs", "deep"), 0o555);
  ageTree(dir);
}

beforeEach(() => {
  counter += 1;
  source = path.join(root, `source-${counter}`);
  tape = path.join(root, `tape-${counter}`);
  fs.mkdirSync(tape);
  makeTree(source);
});

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

describe("copyFolderToTape", () => {
  it("copies files, folders and links with their paths, content, modes and times", async () => {
    const destination = path.join(tape, "home_ada_thesis");
    const result = await copyFolderToTape({
      source,
      destination,
      exclude: [".cache"],
      description: "Ada's thesis",
    });
    const expected = restorableView(snapshotTree(source)).filter(
      (entry) => entry.path !== ".cache" && !entry.path.startsWith(".cache/"),
    );
    expect(restorableView(snapshotTree(destination))).toEqual(expected);
    const rootStats = fs.statSync(source, { bigint: true });
    const copiedRoot = fs.statSync(destination, { bigint: true });
    expect(copiedRoot.mode).toBe(rootStats.mode);
    expect(copiedRoot.mtimeNs / 1000n).toBe(rootStats.mtimeNs / 1000n);
    expect(result.files.map((file) => file.path)).toEqual([
      "big.bin",
      "data/Résumé – ünïcødé.bin",
      "data/exactly-one-mib.bin",
      "data/日本語/ファイル.txt",
      "docs/deep/er/notes with spaces.md",
      "docs/readme.txt",
      "empty.txt",
      "src/.cache/keep.txt",
    ]);
    expect(result.bytes).toBe(
      3 * 1024 * 1024 + 17 + 2 * 1024 * 1024 + 1 + 333 + 70_000 + 1500 + 10,
    );
  });

  it("records each file's SHA-256 of what was written, and its exact size, mode and mtime", async () => {
    const destination = path.join(tape, "checksums");
    const result = await copyFolderToTape({ source, destination, description: "x" });
    for (const file of result.files) {
      const original = fs.lstatSync(path.join(source, file.path), { bigint: true });
      expect(file.sha256).toBe(sha256(path.join(destination, file.path)));
      expect(file.size).toBe(Number(original.size));
      expect(file.mtimeNs).toBe(original.mtimeNs.toString());
      expect(file.mode).toBe(Number(original.mode));
    }
    const empty = result.files.find((file) => file.path === "empty.txt");
    expect(empty?.sha256).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("writes the manifest beside the folder, last, with the folder's description and origin", async () => {
    const destination = path.join(tape, "home_ada_thesis");
    const result = await copyFolderToTape({
      source,
      destination,
      exclude: [".cache"],
      description: "Ada's thesis",
      originalPath: "/home/ada/thesis",
      now: () => new Date("2026-11-26T10:00:00.000Z"),
    });
    expect(result.manifestPath).toBe(`${destination}.manifest.json`);
    const manifest = await readManifest(result.manifestPath);
    expect(manifest.folder).toMatchObject({
      name: "home_ada_thesis",
      description: "Ada's thesis",
      originalPath: "/home/ada/thesis",
      archivedAt: "2026-11-26T10:00:00.000Z",
      toolVersion: expect.stringMatching(/^pytarchive \d+\.\d+\.\d+/),
      compression: null,
    });
    expect(manifest.entries).toEqual(result.entries);
    expect(manifest.totals).toEqual({ files: 8, directories: 8, symlinks: 2, bytes: result.bytes });
    expect(manifest.excluded).toEqual([".cache"]);
    expect(fs.readdirSync(tape).sort()).toEqual([
      "home_ada_thesis",
      "home_ada_thesis.manifest.json",
    ]);
  });

  it("never enters an excluded folder, but copies a folder of the same name deeper down", async () => {
    const destination = path.join(tape, "excluded");
    const result = await copyFolderToTape({
      source,
      destination,
      exclude: [".cache"],
      description: "x",
    });
    expect(fs.existsSync(path.join(destination, ".cache"))).toBe(false);
    expect(fs.readFileSync(path.join(destination, "src", ".cache", "keep.txt"))).toEqual(
      fs.readFileSync(path.join(source, "src", ".cache", "keep.txt")),
    );
    expect(result.excluded).toEqual([".cache"]);
    expect(result.entries.some((entry) => entry.path.startsWith(".cache"))).toBe(false);
  });

  it("copies symbolic links as links, dangling ones included, without following them", async () => {
    const outside = path.join(root, `outside-${counter}`);
    writeRandomFile(path.join(outside, "secret.bin"), 100);
    fs.symlinkSync(outside, path.join(source, "link-to-outside"));
    const destination = path.join(tape, "links");
    const result = await copyFolderToTape({ source, destination, description: "x" });
    expect(fs.readlinkSync(path.join(destination, "readme-link"))).toBe("docs/readme.txt");
    expect(fs.readlinkSync(path.join(destination, "dangling-link"))).toBe("/nonexistent/target");
    expect(fs.lstatSync(path.join(destination, "link-to-outside")).isSymbolicLink()).toBe(true);
    expect(result.entries.filter((entry) => entry.type === "symlink")).toEqual([
      expect.objectContaining({ path: "dangling-link", linkTarget: "/nonexistent/target" }),
      expect.objectContaining({ path: "link-to-outside", linkTarget: outside }),
      expect.objectContaining({ path: "readme-link", linkTarget: "docs/readme.txt", sha256: null }),
    ]);
  });

  it("skips special files and lists them, since LTFS cannot store them", async () => {
    execFileSync("mkfifo", [path.join(source, "data", "a-pipe")]);
    const destination = path.join(tape, "fifo");
    const result = await copyFolderToTape({ source, destination, description: "x" });
    expect(result.skipped).toEqual([{ path: "data/a-pipe", reason: "fifo" }]);
    expect(fs.existsSync(path.join(destination, "data", "a-pipe"))).toBe(false);
    expect((await readManifest(result.manifestPath)).skipped).toEqual(result.skipped);
  });

  it("leaves the source exactly as it was: content, modes, times, inodes, even access times", async () => {
    const before = snapshotTree(source);
    await copyFolderToTape({
      source,
      destination: path.join(tape, "untouched"),
      exclude: [".cache"],
      description: "x",
    });
    expect(snapshotTree(source)).toEqual(before);
  });

  it("refuses a name already taken on the tape, and changes nothing", async () => {
    const destination = path.join(tape, "taken");
    fs.mkdirSync(destination);
    fs.writeFileSync(path.join(destination, "older.txt"), "an earlier archive");
    const error = await copyFolderToTape({ source, destination, description: "x" }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "ARCHIVE_NAME_TAKEN",
      message: `${destination} already exists on the tape, so the folder was not copied to ${destination}.`,
    });
    expect(fs.readdirSync(destination)).toEqual(["older.txt"]);
    expect(fs.readdirSync(tape)).toEqual(["taken"]);
  });

  it("refuses a name that goes through a file on the tape, saying which file, and writes nothing", async () => {
    const file = path.join(tape, "notes");
    fs.writeFileSync(file, "a file, not a folder");
    const destination = path.join(file, "alpha");
    const error = await copyFolderToTape({ source, destination, description: "x" }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "ARCHIVE_NAME_TAKEN",
      message: `${file} already exists on the tape, so the folder was not copied to ${destination}.`,
      hint: expect.stringContaining("Archive under another name"),
    });
    expect(fs.readdirSync(tape)).toEqual(["notes"]);
    expect(fs.readFileSync(file, "utf8")).toBe("a file, not a folder");
  });

  it("refuses a name whose manifest alone is on the tape", async () => {
    const destination = path.join(tape, "half");
    fs.writeFileSync(`${destination}.manifest.json`, "{}");
    await expect(copyFolderToTape({ source, destination, description: "x" })).rejects.toMatchObject(
      { code: "ARCHIVE_NAME_TAKEN" },
    );
    expect(fs.existsSync(destination)).toBe(false);
  });

  it("refuses a source that does not exist or is a link", async () => {
    await expect(
      copyFolderToTape({
        source: path.join(root, "no-such-folder"),
        destination: path.join(tape, "a"),
        description: "x",
      }),
    ).rejects.toMatchObject({ code: "ARCHIVE_SOURCE_MISSING" });
    const link = path.join(root, `link-${counter}`);
    fs.symlinkSync(source, link);
    await expect(
      copyFolderToTape({ source: link, destination: path.join(tape, "b"), description: "x" }),
    ).rejects.toMatchObject({
      code: "ARCHIVE_SOURCE_MISSING",
      message: expect.stringContaining("symbolic link"),
    });
    expect(fs.readdirSync(tape)).toEqual([]);
  });

  it("streams a file in many chunks when asked to, with the same checksum", async () => {
    const destination = path.join(tape, "chunks");
    const result = await copyFolderToTape({
      source,
      destination,
      description: "x",
      chunkBytes: 4096,
      prefetch: { smallFileBytes: 1000, aheadFiles: 2, aheadBytes: 4096 },
    });
    const big = result.files.find((file) => file.path === "big.bin");
    expect(big?.sha256).toBe(sha256(path.join(source, "big.bin")));
    expect(restorableView(snapshotTree(destination))).toEqual(restorableView(snapshotTree(source)));
  });

  it("reports progress from the pre-scan's totals up to all files and bytes", async () => {
    const seen: CopyProgress[] = [];
    const result = await copyFolderToTape({
      source,
      destination: path.join(tape, "progress"),
      description: "x",
      onProgress: (progress) => seen.push(progress),
    });
    expect(seen[0]?.phase).toBe("scanning");
    const copying = seen.filter((progress) => progress.phase === "copying");
    expect(copying[0]).toMatchObject({ filesDone: 0, bytesDone: 0, filesTotal: 9 });
    expect(seen.at(-1)).toMatchObject({
      phase: "finishing",
      filesDone: 9,
      filesTotal: 9,
      bytesDone: result.bytes,
      bytesTotal: result.bytes,
    });
    const bytes = copying.map((progress) => progress.bytesDone);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
  });

  it("stops when aborted, leaving the partial folder without a manifest", async () => {
    const controller = new AbortController();
    const destination = path.join(tape, "aborted");
    const error = await copyFolderToTape({
      source,
      destination,
      description: "x",
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.filesDone === 2) controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArchiveAbortedError);
    const aborted = error as ArchiveAbortedError;
    expect(aborted.code).toBe("ARCHIVE_ABORTED");
    expect(aborted.partial).toMatchObject({ destination, filesWritten: 2, filesTotal: 9 });
    expect(fs.existsSync(`${destination}.manifest.json`)).toBe(false);
    expect(fs.existsSync(destination)).toBe(true);
  });
});

describe("copyFolderToTape, aborted before it starts", () => {
  it("stops during the scan without creating anything on the tape", async () => {
    const controller = new AbortController();
    controller.abort();
    const destination = path.join(tape, "never");
    await expect(
      copyFolderToTape({ source, destination, description: "x", signal: controller.signal }),
    ).rejects.toMatchObject({ code: "ARCHIVE_ABORTED", partial: { filesWritten: 0 } });
    expect(fs.existsSync(destination)).toBe(false);
  });
});
