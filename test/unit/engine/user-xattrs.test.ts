import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAttribute, listAttributes, setAttribute } from "@napi-rs/xattr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CopyResult,
  copyFolderToTape,
  readManifest,
  restoreFolderFromTape,
} from "../../../services/ltfs/engine/index.ts";
import { verifyFolderOnTape } from "../../../services/verification/engine/index.ts";
import { parseManifest } from "../../../shared/manifest/index.ts";
import { writeRandomFile } from "./tree-snapshot.ts";

/*
 * `user.*` extended attributes of the original's files and folders go onto the tape, into the
 * manifest, are checked by the read-back and come back with a restore. A manifest written before
 * pytarchive carried them still reads.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-xattrs-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const source = path.join(root, "source");
const BINARY = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]);
let archived: CopyResult;

async function userXattrsOf(file: string): Promise<Record<string, Buffer>> {
  const names = (await listAttributes(file)).filter((name) => name.startsWith("user.")).sort();
  const values: Record<string, Buffer> = {};
  for (const name of names) values[name] = (await getAttribute(file, name)) as Buffer;
  return values;
}

beforeAll(async () => {
  writeRandomFile(path.join(source, "notes.txt"), 1000);
  writeRandomFile(path.join(source, "data", "big.bin"), 2 * 1024 * 1024 + 1);
  writeRandomFile(path.join(source, "plain.txt"), 10);
  await setAttribute(path.join(source, "notes.txt"), "user.comment", "measured on 3 March, µm");
  await setAttribute(path.join(source, "notes.txt"), "user.x", BINARY);
  await setAttribute(path.join(source, "data", "big.bin"), "user.x", BINARY);
  await setAttribute(path.join(source, "data"), "user.comment", "raw data");
  await setAttribute(source, "user.project", "ada");
  fs.mkdirSync(path.join(root, "tape"));
  archived = await copyFolderToTape({
    source,
    destination: path.join(root, "tape", "folder"),
    description: "x",
  });
});

describe("user extended attributes", () => {
  it("are copied to the tape and recorded in the manifest", async () => {
    const onTape = path.join(archived.destination, "notes.txt");
    expect(await userXattrsOf(onTape)).toEqual(await userXattrsOf(path.join(source, "notes.txt")));
    const manifest = await readManifest(archived.manifestPath);
    const notes = manifest.entries.find((entry) => entry.path === "notes.txt");
    expect(notes?.xattrs).toEqual({
      "user.comment": Buffer.from("measured on 3 March, µm").toString("base64"),
      "user.x": BINARY.toString("base64"),
    });
    expect(manifest.entries.find((entry) => entry.path === "data")?.xattrs).toEqual({
      "user.comment": Buffer.from("raw data").toString("base64"),
    });
    expect(manifest.entries.find((entry) => entry.path === "plain.txt")).not.toHaveProperty(
      "xattrs",
    );
    expect(manifest.folder.xattrs).toEqual({
      "user.project": Buffer.from("ada").toString("base64"),
    });
  });

  it("are checked by the read-back: a changed value on the tape is reported", async () => {
    const manifest = await readManifest(archived.manifestPath);
    const good = await verifyFolderOnTape({
      folderOnTape: archived.destination,
      expected: manifest.entries,
    });
    expect(good.mismatches).toEqual([]);

    const changed = path.join(archived.destination, "data", "big.bin");
    await setAttribute(changed, "user.x", Buffer.from("other"));
    try {
      const bad = await verifyFolderOnTape({
        folderOnTape: archived.destination,
        expected: manifest.entries,
      });
      expect(bad.ok).toBe(false);
      expect(bad.mismatches).toEqual([
        { path: "data/big.bin", problem: "xattrs", expected: "user.x", actual: "user.x" },
      ]);
    } finally {
      await setAttribute(changed, "user.x", BINARY);
    }
  });

  it("are restored on files, folders and the folder itself", async () => {
    const manifest = await readManifest(archived.manifestPath);
    const target = path.join(root, "restored");
    await restoreFolderFromTape({
      folderOnTape: archived.destination,
      target,
      entries: manifest.entries.map((entry) => ({ ...entry, startBlock: null, partition: null })),
      rootXattrs: manifest.folder.xattrs ?? null,
    });
    for (const relative of ["notes.txt", "data", "data/big.bin", "plain.txt", ""]) {
      expect(await userXattrsOf(path.join(target, relative))).toEqual(
        await userXattrsOf(path.join(source, relative)),
      );
    }
    expect((await userXattrsOf(path.join(target, "notes.txt")))["user.x"]).toEqual(BINARY);
  });

  it("are optional in the manifest: one written without them still reads", async () => {
    const text = fs.readFileSync(archived.manifestPath, "utf8");
    const old = JSON.parse(text) as {
      version: number;
      folder: Record<string, unknown>;
      entries: object[];
    };
    // Manifests without attributes were version 1, which has no digest to keep in step.
    old.version = 1;
    delete old.folder.xattrs;
    for (const entry of old.entries) delete (entry as { xattrs?: unknown }).xattrs;
    const parsed = parseManifest(JSON.stringify(old), "/ltfs0/old.manifest.json");
    expect(parsed.entries.some((entry) => entry.xattrs !== undefined)).toBe(false);
    expect(parsed.entries).toHaveLength(archived.entries.length);

    const wrong = JSON.parse(text) as { version: number; entries: { xattrs?: unknown }[] };
    wrong.version = 1;
    (wrong.entries[0] as { xattrs?: unknown }).xattrs = { "trusted.x": "AA==" };
    expect(() => parseManifest(JSON.stringify(wrong), "/ltfs0/bad.manifest.json")).toThrow(
      /not a user attribute/,
    );
  });
});
