import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeEmptyFolder, probePath } from "../../../services/gateway/index.ts";

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "pyt-path-probe-"));
  await mkdir(path.join(root, "folder"));
  await mkdir(path.join(root, "empty"));
  await writeFile(path.join(root, "folder", "inside.txt"), "x");
  await writeFile(path.join(root, "file.txt"), "x");
  await symlink(path.join(root, "folder"), path.join(root, "link to folder"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("probePath: a bounded look at a path, from a child process", () => {
  it("tells a folder (also through a link), something else, and nothing there", async () => {
    expect(await probePath(path.join(root, "folder"), 5_000)).toEqual({ kind: "folder" });
    expect(await probePath(path.join(root, "link to folder"), 5_000)).toEqual({ kind: "folder" });
    expect(await probePath(path.join(root, "file.txt"), 5_000)).toEqual({ kind: "other" });
    expect(await probePath(path.join(root, "gone"), 5_000)).toEqual({ kind: "missing" });
    expect(await probePath(path.join(root, "file.txt", "below"), 5_000)).toEqual({
      kind: "missing",
    });
  });

  it("gives up when the answer takes longer than the time allowed, instead of waiting", async () => {
    // No look answers within 0 ms: this is what a path on a hung NFS mount gets after its wait.
    expect(await probePath(path.join(root, "folder"), 0)).toEqual({
      kind: "timeout",
      timeoutMs: 0,
    });
  });
});

describe("probeEmptyFolder: whether a restore target holds anything, from a child process", () => {
  it("tells an empty folder from one with something in it", async () => {
    expect(await probeEmptyFolder(path.join(root, "empty"), 5_000)).toEqual({ kind: "empty" });
    expect(await probeEmptyFolder(path.join(root, "folder"), 5_000)).toEqual({
      kind: "not-empty",
    });
  });

  it("gives up when the answer takes longer than the time allowed", async () => {
    expect(await probeEmptyFolder(path.join(root, "empty"), 0)).toEqual({
      kind: "timeout",
      timeoutMs: 0,
    });
  });
});
