import { describe, expect, it } from "vitest";
import {
  archiveEntryKind,
  isTarNoise,
  parseCheckpointRecords,
  parseTotalBytesLine,
} from "../../../services/compression/engine/tar-output.ts";

// Lines as GNU tar 1.34 printed them on Debian bookworm (LC_ALL=C).
describe("parseCheckpointRecords", () => {
  it("reads the record count from our checkpoint line", () => {
    expect(parseCheckpointRecords("tar: pytarchive-checkpoint 6554")).toBe(6554);
  });

  it("ignores tar's other messages", () => {
    expect(parseCheckpointRecords("tar: alpha/log.txt: file changed as we read it")).toBeNull();
    expect(parseCheckpointRecords("Total bytes written: 10240 (10KiB, 30MiB/s)")).toBeNull();
  });
});

describe("parseTotalBytesLine", () => {
  it("reads --totals", () => {
    expect(parseTotalBytesLine("Total bytes written: 2007040 (2.0MiB, 167MiB/s)")).toBe(2007040);
  });

  it("ignores other lines", () => {
    expect(parseTotalBytesLine("tar: pytarchive-checkpoint 50")).toBeNull();
  });
});

describe("isTarNoise", () => {
  it("treats progress, totals and tar's sign-off as noise, real errors not", () => {
    expect(isTarNoise("tar: pytarchive-checkpoint 50")).toBe(true);
    expect(isTarNoise("Total bytes written: 10240 (10KiB, 30MiB/s)")).toBe(true);
    expect(isTarNoise("tar: Exiting with failure status due to previous errors")).toBe(true);
    expect(isTarNoise("tar: alpha/secret: Cannot open: Permission denied")).toBe(false);
  });
});

describe("archiveEntryKind on tar --list --verbose lines", () => {
  it.each([
    ["drwxr-xr-x 0/0               0 2026-11-26 04:50 s/", "directory"],
    ["-rw-r--r-- 0/0       104857605 2026-11-26 04:50 s/sparse", "file"],
    ["hrw-r--r-- 0/0               0 2026-11-26 04:50 s/h1 link to s/h2", "file"],
    ["lrwxrwxrwx 0/0               0 2026-11-26 04:50 s/link -> h1", "symlink"],
    ["prw-r--r-- 0/0               0 2026-11-26 04:50 s/fifo", "other"],
  ])("%s → %s", (line, kind) => {
    expect(archiveEntryKind(line)).toBe(kind);
  });

  it("skips an empty line", () => {
    expect(archiveEntryKind("")).toBeNull();
  });
});
