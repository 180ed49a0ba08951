import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkPackingTools, packFolder } from "../../../services/compression/engine/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";

let workFolder: string;
const originalPath = process.env.PATH;

beforeAll(async () => {
  workFolder = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-tools-"));
});
afterEach(() => {
  process.env.PATH = originalPath;
});
afterAll(async () => {
  await fs.rm(workFolder, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<PytarchiveError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PytarchiveError);
  return error as PytarchiveError;
}

/** A folder for PATH holding only GNU tar, so that zstd and gzip cannot be found. */
async function pathWithTarOnly(): Promise<string> {
  const bin = await fs.mkdtemp(path.join(workFolder, "bin-"));
  const tar = expectExit(await runCommand("sh", ["-c", "command -v tar"])).stdout.trim();
  await fs.symlink(tar, path.join(bin, "tar"));
  return bin;
}

describe("checkPackingTools", () => {
  it("finds this machine's GNU tar and zstd (the README's setup installs zstd)", async () => {
    const tools = await checkPackingTools({ compression: "zstd" });
    expect(tools.tar).toMatch(/^tar \(GNU tar\) \d+\.\d+/);
    expect(tools.compressor).toMatch(/Zstandard CLI/);
  });

  it("finds gzip", async () => {
    expect((await checkPackingTools({ compression: "gzip" })).compressor).toMatch(/^gzip \d/);
  });

  it("says how to install zstd when it is missing", async () => {
    process.env.PATH = await pathWithTarOnly();
    const error = await refusal(checkPackingTools({ compression: "zstd" }));
    expect(error.code).toBe("COMPRESSOR_NOT_INSTALLED");
    expect(error.message).toBe("zstd is not installed, so folders cannot be packed with it");
    expect(error.hint).toBe(
      "Install it: apt-get install zstd (Debian/Ubuntu) or dnf install zstd; or choose gzip compression.",
    );
  });

  it("refuses a tar that is not GNU tar", async () => {
    const bsdtar = path.join(workFolder, "bsdtar");
    await fs.writeFile(bsdtar, '#!/bin/sh\necho "bsdtar 3.6.2 - libarchive 3.6.2"\n', {
      mode: 0o755,
    });
    const error = await refusal(checkPackingTools({ compression: "gzip", tarCommand: bsdtar }));
    expect(error.code).toBe("TAR_UNSUPPORTED");
    expect(error.message).toBe(
      `${bsdtar} is not GNU tar (it says "bsdtar 3.6.2 - libarchive 3.6.2")`,
    );
  });

  it("refuses zstd with a GNU tar older than 1.31", async () => {
    const oldTar = path.join(workFolder, "old-tar");
    await fs.writeFile(oldTar, '#!/bin/sh\necho "tar (GNU tar) 1.30"\n', { mode: 0o755 });
    const error = await refusal(checkPackingTools({ compression: "zstd", tarCommand: oldTar }));
    expect(error.code).toBe("TAR_UNSUPPORTED");
    expect(error.message).toBe(
      "tar (GNU tar) 1.30 cannot compress with zstd (GNU tar 1.31 or newer can)",
    );
  });

  it("stops packFolder before it writes anything when zstd is missing", async () => {
    const folder = path.join(workFolder, "folder");
    const scratch = path.join(workFolder, "scratch");
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, "a.txt"), "a\n");
    await fs.mkdir(scratch);
    process.env.PATH = await pathWithTarOnly();
    const error = await refusal(
      packFolder({ folder, scratchPath: scratch, name: "folder", compression: "zstd" }),
    );
    expect(error.code).toBe("COMPRESSOR_NOT_INSTALLED");
    expect(await fs.readdir(scratch)).toEqual([]);
  });
});
