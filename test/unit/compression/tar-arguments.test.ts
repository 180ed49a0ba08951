import { describe, expect, it } from "vitest";
import { archiveFileName, normalizeExcludes } from "../../../services/compression/engine/index.ts";
import {
  buildTarCreateArguments,
  buildTarListArguments,
  checkpointRecordsFor,
  compressorEnvironment,
} from "../../../services/compression/engine/tar-arguments.ts";

describe("buildTarCreateArguments", () => {
  it("packs /data/projects/alpha from /data/projects with every keeping option", () => {
    expect(
      buildTarCreateArguments({
        folder: "/data/projects/alpha",
        archiveFile: "/scratch/projects_alpha.tar.zst.partial",
        exclude: normalizeExcludes([".cache", "scratch data/tmp"]),
        compression: "zstd",
        checkpointRecords: 6554,
      }),
    ).toEqual([
      "--create",
      "--file=/scratch/projects_alpha.tar.zst.partial",
      "--format=posix",
      "--pax-option=delete=atime,delete=ctime",
      "--atime-preserve=system",
      "--numeric-owner",
      "--sparse",
      "--xattrs",
      "--xattrs-include=user.*",
      "--zstd",
      "--checkpoint=6554",
      "--checkpoint-action=echo=pytarchive-checkpoint %u",
      "--totals",
      "--directory=/data/projects",
      "--anchored",
      "--no-wildcards",
      "--no-ignore-case",
      "--exclude=alpha/.cache",
      "--exclude=alpha/scratch data/tmp",
      "--",
      "alpha",
    ]);
  });

  it("uses --gzip for gzip and adds no excludes when there are none", () => {
    const args = buildTarCreateArguments({
      folder: "/srv/Projekt Überblick",
      archiveFile: "/tmp/x.tar.gz.partial",
      exclude: new Set(),
      compression: "gzip",
      checkpointRecords: 1,
    });
    expect(args).toContain("--gzip");
    expect(args).not.toContain("--zstd");
    expect(args.filter((arg) => arg.startsWith("--exclude"))).toEqual([]);
    expect(args.slice(-2)).toEqual(["--", "Projekt Überblick"]);
  });

  it("keeps a folder name that looks like an option after --", () => {
    const args = buildTarCreateArguments({
      folder: "/data/-rf",
      archiveFile: "/s/a.tar.zst.partial",
      exclude: new Set(),
      compression: "zstd",
      checkpointRecords: 1,
    });
    expect(args.slice(-2)).toEqual(["--", "-rf"]);
  });
});

describe("buildTarListArguments", () => {
  it("lists verbosely into an index file instead of stdout", () => {
    expect(
      buildTarListArguments({
        archiveFile: "/scratch/a.tar.zst",
        indexFile: "/tmp/listing.txt",
        checkpointRecords: 100,
      }),
    ).toEqual([
      "--list",
      "--verbose",
      "--file=/scratch/a.tar.zst",
      "--index-file=/tmp/listing.txt",
      "--checkpoint=100",
      "--checkpoint-action=echo=pytarchive-checkpoint %u",
    ]);
  });
});

describe("archive names and compressor settings", () => {
  it("names archives <name>.tar.zst and <name>.tar.gz", () => {
    expect(archiveFileName("projects_2024_alpha", "zstd")).toBe("projects_2024_alpha.tar.zst");
    expect(archiveFileName("Projekt Überblick", "gzip")).toBe("Projekt Überblick.tar.gz");
  });

  it("gives zstd its thread count through ZSTD_NBTHREADS and gzip nothing", () => {
    expect(compressorEnvironment("zstd", 8)).toEqual({ ZSTD_NBTHREADS: "8" });
    expect(compressorEnvironment("gzip", 8)).toEqual({});
  });

  it("turns a progress interval in bytes into 10 KiB tar records", () => {
    expect(checkpointRecordsFor(64 * 1024 * 1024)).toBe(6554);
    expect(checkpointRecordsFor(10_240)).toBe(1);
    expect(checkpointRecordsFor(1)).toBe(1);
  });
});
