import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ManifestContent,
  type ManifestEntry,
  manifestPathFor,
  parseManifest,
  readManifest,
  writeManifest,
} from "../../../services/ltfs/engine/index.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-manifest-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SHA_A = "a".repeat(64);
const SHA_B = "0123456789abcdef".repeat(4);

function entry(fields: Partial<ManifestEntry> & Pick<ManifestEntry, "path">): ManifestEntry {
  return {
    type: "file",
    size: 0,
    mtimeNs: "1700000000123456789",
    mode: 0o100644,
    uid: 1000,
    gid: 1000,
    sha256: SHA_A,
    linkTarget: null,
    ...fields,
  };
}

function sampleManifest(entries: ManifestEntry[]): ManifestContent {
  let files = 0;
  let directories = 0;
  let symlinks = 0;
  let bytes = 0;
  for (const item of entries) {
    if (item.type === "file") {
      files += 1;
      bytes += item.size;
    } else if (item.type === "directory") directories += 1;
    else symlinks += 1;
  }
  return {
    format: "pytarchive-manifest",
    folder: {
      name: "home_ada_thesis",
      description: "Ada's thesis, 2019–2024",
      originalPath: "/home/ada/thesis",
      archivedAt: "2026-11-26T10:00:00.000Z",
      toolVersion: "pytarchive 0.1.0",
      mode: 0o40755,
      mtimeNs: "1700000000000000000",
      compression: null,
      sizeKiB: 12,
      fileCount: 4,
      measuredAt: "2026-11-20T08:30:00.000Z",
    },
    totals: { files, directories, symlinks, bytes },
    excluded: [".cache"],
    skipped: [{ path: "run/socket", reason: "socket" }],
    entries,
  };
}

const ENTRIES: ManifestEntry[] = [
  entry({ path: "data", type: "directory", mode: 0o40750, sha256: null }),
  entry({ path: "data/run 3", type: "directory", mode: 0o40755, sha256: null }),
  entry({ path: "data/run 3/résultats.csv", size: 1234, sha256: SHA_B }),
  entry({ path: "empty.txt", size: 0 }),
  entry({ path: "latest", type: "symlink", sha256: null, linkTarget: "data/run 3" }),
  entry({ path: "日本語.txt", size: 7, mtimeNs: "-1000" }),
];

function problemOf(text: string): string {
  try {
    parseManifest(text, "/ltfs0/x.manifest.json");
  } catch (error) {
    expect(error).toMatchObject({ code: "MANIFEST_INVALID" });
    return (error as Error).message;
  }
  throw new Error("parseManifest accepted it");
}

describe("manifestPathFor", () => {
  it("puts the manifest beside the folder on the tape", () => {
    expect(manifestPathFor("/ltfs0/home_ada_thesis")).toBe("/ltfs0/home_ada_thesis.manifest.json");
    expect(manifestPathFor("/ltfs0/home_ada_thesis/")).toBe("/ltfs0/home_ada_thesis.manifest.json");
  });
});

describe("writeManifest and readManifest", () => {
  it("round-trips every field, Unicode names and nanosecond strings included", async () => {
    const file = path.join(dir, "round-trip.manifest.json");
    const manifest = sampleManifest(ENTRIES);
    const written = await writeManifest(file, manifest);
    expect(written).toMatchObject({ ...manifest, version: 2 });
    expect(written.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await readManifest(file)).toEqual(written);
  });

  it("ends with the SHA-256 of every byte before the digest line", async () => {
    const file = path.join(dir, "digest.manifest.json");
    const { digest } = await writeManifest(file, sampleManifest(ENTRIES));
    const text = fs.readFileSync(file, "utf8");
    const cut = text.lastIndexOf(',\n  "digest": ');
    const sha = createHash("sha256").update(text.slice(0, cut), "utf8").digest("hex");
    expect(digest).toBe(`sha256:${sha}`);
    expect(text.slice(cut)).toBe(`,\n  "digest": "sha256:${sha}"\n}\n`);
  });

  it("refuses a manifest changed after it was written, naming the digest", async () => {
    const file = path.join(dir, "changed.manifest.json");
    await writeManifest(file, sampleManifest(ENTRIES));
    const text = fs.readFileSync(file, "utf8");
    // A single flipped checksum digit: still valid JSON, still a valid manifest otherwise.
    const changed = text.replace(SHA_B, `1${SHA_B.slice(1)}`);
    expect(changed).not.toBe(text);
    expect(problemOf(changed)).toContain("does not match its digest");
    expect(problemOf(text.replace(/,\n {2}"digest": [^\n]*\n/, "\n"))).toContain(
      'it has no "digest" as its last field',
    );
  });

  it("still reads a version 1 manifest written by pytarchive 0.1.0 (no digest, no measurements)", async () => {
    const manifest = await readManifest(
      path.join(import.meta.dirname, "../../fixtures/manifest/v1-home_ada_thesis.manifest.json"),
    );
    expect(manifest).toMatchObject({ version: 1, digest: null, totals: { files: 3, bytes: 1241 } });
    expect(manifest.folder).toMatchObject({
      originalPath: "/home/ada/thesis",
      description: "Ada's thesis, 2019–2024",
      sizeKiB: null,
      fileCount: null,
      measuredAt: null,
    });
    expect(manifest.entries.map((item) => item.path)).toEqual(ENTRIES.map((item) => item.path));
  });

  it("writes one entry per line, so that a person can read and diff it", async () => {
    const file = path.join(dir, "lines.manifest.json");
    await writeManifest(file, sampleManifest(ENTRIES));
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const entryLines = lines.filter((line) => line.trimStart().startsWith('{"path"'));
    expect(entryLines).toHaveLength(ENTRIES.length);
    expect(entryLines[2]).toContain('"path":"data/run 3/résultats.csv"');
  });

  it("writes a manifest without entries that reads back", async () => {
    const file = path.join(dir, "empty.manifest.json");
    await writeManifest(file, sampleManifest([]));
    expect((await readManifest(file)).entries).toEqual([]);
  });

  it("refuses to replace an existing manifest", async () => {
    const file = path.join(dir, "taken.manifest.json");
    fs.writeFileSync(file, "keep me");
    await expect(writeManifest(file, sampleManifest(ENTRIES))).rejects.toMatchObject({
      code: "EEXIST",
    });
    expect(fs.readFileSync(file, "utf8")).toBe("keep me");
  });

  it("reports a missing manifest as MANIFEST_UNREADABLE, naming the file", async () => {
    const file = path.join(dir, "nowhere.manifest.json");
    await expect(readManifest(file)).rejects.toMatchObject({
      code: "MANIFEST_UNREADABLE",
      message: expect.stringContaining(file),
    });
  });
});

describe("parseManifest refuses what is not a complete manifest", () => {
  // Version 1 has no digest, so each field's own check is what refuses these.
  const valid = { ...sampleManifest(ENTRIES), version: 1 };
  const variant = (change: (copy: Record<string, unknown>) => void) => {
    const copy = structuredClone(valid) as unknown as Record<string, unknown>;
    change(copy);
    return JSON.stringify(copy);
  };
  const entriesOf = (copy: Record<string, unknown>) => copy.entries as Record<string, unknown>[];

  it("text that is not JSON", () => {
    expect(problemOf("{ not json")).toContain("it is not JSON");
  });

  it("another format", () => {
    expect(problemOf(variant((copy) => (copy.format = "tar-index")))).toContain(
      '"format" is "tar-index"',
    );
  });

  it("a version this pytarchive does not read", () => {
    expect(problemOf(variant((copy) => (copy.version = 3)))).toContain("reads versions 1 and 2");
  });

  it("a path with ..", () => {
    const text = variant((copy) => {
      (entriesOf(copy)[3] as Record<string, unknown>).path = "../etc/passwd";
    });
    expect(problemOf(text)).toContain('path "../etc/passwd" contains an empty, "." or ".." part');
  });

  it("an absolute path", () => {
    const text = variant((copy) => {
      (entriesOf(copy)[3] as Record<string, unknown>).path = "/etc/passwd";
    });
    expect(problemOf(text)).toContain("is absolute");
  });

  it("a path listed twice", () => {
    const text = variant((copy) => {
      (entriesOf(copy)[5] as Record<string, unknown>).path = "empty.txt";
    });
    expect(problemOf(text)).toContain('path "empty.txt" is listed twice');
  });

  it("a file without its checksum", () => {
    const text = variant((copy) => {
      (entriesOf(copy)[2] as Record<string, unknown>).sha256 = null;
    });
    expect(problemOf(text)).toContain('entry 3 (data/run 3/résultats.csv): "sha256"');
  });

  it("a checksum in capitals", () => {
    const text = variant((copy) => {
      (entriesOf(copy)[2] as Record<string, unknown>).sha256 = SHA_B.toUpperCase();
    });
    expect(problemOf(text)).toContain("64 lowercase hex digits");
  });

  it("a file listed before its folder", () => {
    const text = variant((copy) => {
      copy.entries = entriesOf(copy).slice(2);
      copy.totals = { files: 3, directories: 0, symlinks: 1, bytes: 1241 };
    });
    expect(problemOf(text)).toContain('its folder "data/run 3" is not listed before it');
  });

  it("totals that do not add up", () => {
    const text = variant((copy) => {
      (copy.totals as Record<string, unknown>).bytes = 1;
    });
    expect(problemOf(text)).toContain('"totals.bytes" is 1 but the entries add up to 1241');
  });

  it("a symbolic link without its target", () => {
    const text = variant((copy) => {
      (entriesOf(copy)[4] as Record<string, unknown>).linkTarget = null;
    });
    expect(problemOf(text)).toContain('a symlink needs its "linkTarget"');
  });

  it("a modification time that is not a decimal string", () => {
    const text = variant((copy) => {
      (entriesOf(copy)[3] as Record<string, unknown>).mtimeNs = 1700000000;
    });
    expect(problemOf(text)).toContain('"mtimeNs" is not a decimal string of nanoseconds');
  });

  it("an unknown compression", () => {
    const text = variant((copy) => {
      (copy.folder as Record<string, unknown>).compression = "xz";
    });
    expect(problemOf(text)).toContain('"folder.compression" is "xz"');
  });
});
