import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { getAttribute, listAttributes, setAttribute } from "@napi-rs/xattr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readManifest } from "../../shared/manifest/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { type E2eStack, startE2eStack, withTapeImage } from "./support.ts";

/*
 * Extended attributes: a file with a text `user.comment` and a binary `user.x`, and a folder
 * with a `user.comment`, archived (as it is, and packed with --compress) and restored through the
 * CLI keep both; the tape holds them and its manifest records them.
 */

const BINARY = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0, 7]);
const TREE = { largeFiles: 1, largeFileBytes: 1024 * 1024, smallFiles: 20 };

async function userXattrsOf(file: string): Promise<Record<string, string>> {
  const names = (await listAttributes(file)).filter((name) => name.startsWith("user.")).sort();
  const values: Record<string, string> = {};
  for (const name of names)
    values[name] = ((await getAttribute(file, name)) as Buffer).toString("hex");
  return values;
}

async function folderWithXattrs(e2e: E2eStack, name: string): Promise<string> {
  const source = path.join(e2e.home, "srv", "projects", name);
  await makeSampleTree(source, TREE);
  await setAttribute(
    path.join(source, "notes", "empty file.txt"),
    "user.comment",
    "leer, absichtlich",
  );
  await setAttribute(path.join(source, "raw data", "scan 1.bin"), "user.comment", "detector B");
  await setAttribute(path.join(source, "raw data", "scan 1.bin"), "user.x", BINARY);
  await setAttribute(path.join(source, "raw data"), "user.comment", "raw");
  return source;
}

const CHECKED = ["notes/empty file.txt", "raw data/scan 1.bin", "raw data", "notes"];

describe("user extended attributes through archive and restore", () => {
  let e2e: E2eStack;
  let tape: string;

  beforeAll(async () => {
    e2e = await startE2eStack();
    await mkdir(path.join(e2e.home, "restored"));
    const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
      "tapes",
    ]);
    tape = tapes.find((line) => !line.cleaning)?.barcode as string;
  }, 120_000);

  afterAll(async () => {
    await e2e?.close();
  }, 120_000);

  for (const packed of [false, true]) {
    it(`keeps user.comment and a binary user.x${packed ? " of a --compress folder" : ""}`, async () => {
      const name = packed ? "xattrs-packed" : "xattrs";
      const source = await folderWithXattrs(e2e, name);
      const prepare = ["prepare", source, "xattrs test", ...(packed ? ["--compress"] : [])];
      expect(await e2e.run(prepare)).toMatchObject({ state: "done" });
      expect(await e2e.run(["archive", source, tape])).toMatchObject({ state: "done" });

      const target = path.join(e2e.home, "restored", name);
      expect(await e2e.run(["restore", source, target])).toMatchObject({ state: "done" });
      for (const relative of CHECKED) {
        expect(await userXattrsOf(path.join(target, relative))).toEqual(
          await userXattrsOf(path.join(source, relative)),
        );
      }
      expect((await userXattrsOf(path.join(target, "raw data", "scan 1.bin")))["user.x"]).toBe(
        BINARY.toString("hex"),
      );

      if (!packed) {
        // On the tape itself, as another LTFS host would read it, and in its manifest.
        await withTapeImage(e2e.simulator, tape, "ro", async (mounted) => {
          const copy = (await readdir(mounted)).find((entry) => entry.endsWith(`_${name}`));
          expect(copy).toBeDefined();
          const scanOnTape = path.join(mounted, copy as string, "raw data", "scan 1.bin");
          expect((await userXattrsOf(scanOnTape))["user.x"]).toBe(BINARY.toString("hex"));
          const manifest = await readManifest(path.join(mounted, `${copy}.manifest.json`));
          const scan = manifest.entries.find((entry) => entry.path === "raw data/scan 1.bin");
          expect(scan?.xattrs?.["user.x"]).toBe(BINARY.toString("base64"));
        });
      }
    }, 600_000);
  }
});
