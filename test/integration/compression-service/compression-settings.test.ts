import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../shared/config/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";

const read = (section: string) => parseConfig(section, "/etc/pytarchive/pytarchive.conf", {});

function refusal(section: string): PytarchiveError {
  try {
    read(section);
  } catch (error) {
    if (error instanceof PytarchiveError) return error;
    throw error;
  }
  throw new Error("the configuration was accepted");
}

describe("[Compression]", () => {
  it("defaults to zstd on every CPU and one job without a drive at a time", () => {
    expect(read("").compression).toEqual({ program: "zstd", threads: 0, concurrency: 1 });
  });

  it("reads gzip, a thread count and a concurrency", () => {
    expect(
      read("[Compression]\nprogram = GZIP\nthreads = 8 # cores\nconcurrency = 2\n").compression,
    ).toEqual({ program: "gzip", threads: 8, concurrency: 2 });
  });

  it("refuses a program it cannot pack with, naming the ones it can", () => {
    const error = refusal("[Compression]\nprogram = xz\n");
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      '/etc/pytarchive/pytarchive.conf: [Compression] program = "xz": expected one of zstd, gzip (zstd is faster and uses every CPU)',
    );
  });

  it("refuses a concurrency of 0 and threads that are not a whole number", () => {
    expect(refusal("[Compression]\nconcurrency = 0\n").message).toBe(
      '/etc/pytarchive/pytarchive.conf: [Compression] concurrency = "0": expected a whole number, 1 or more jobs, e.g. 2',
    );
    expect(refusal("[Compression]\nthreads = all\n").message).toBe(
      '/etc/pytarchive/pytarchive.conf: [Compression] threads = "all": expected a whole number, 0 (one per CPU) or a number of threads, e.g. 8',
    );
  });
});
