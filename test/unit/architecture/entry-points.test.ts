import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

/*
 * The lint that keeps shared/ behind its entry points: outside a shared folder, code imports it
 * only through its index.ts. A test rather than a biome rule because biome's noRestrictedImports
 * matches the specifier as written, not the file it resolves to, so it cannot tell
 * "../errors.ts" inside shared/hardware/mtx from the same text one folder further down.
 * test/ is not checked: unit tests may reach internals.
 */

const REPO_ROOT = path.join(import.meta.dirname, "../../..");
const CHECKED_TOPS = ["services", "cli", "infra", "shared"] as const;
const SOURCE_FILE = /\.(ts|mts|mjs|js)$/;

/** Relative specifiers of `from "…"`, `import "…"` and `import("…")`. */
const SPECIFIER = /\bfrom\s*["'](\.[^"']*)["']|\bimport\s*\(?\s*["'](\.[^"']*)["']/g;

interface DeepImport {
  file: string;
  specifier: string;
}

/** The folder a shared file belongs to: shared/<name>, or shared/hardware/<name>. */
function sharedFolderOf(relative: string): string | undefined {
  const parts = relative.split("/");
  if (parts[0] !== "shared" || parts.length < 3) return undefined;
  const depth = parts[1] === "hardware" ? 3 : 2;
  return parts.length > depth ? parts.slice(0, depth).join("/") : undefined;
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(full);
    return SOURCE_FILE.test(entry.name) ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  return [...fs.readFileSync(file, "utf8").matchAll(SPECIFIER)].map(
    (match) => match[1] ?? match[2] ?? "",
  );
}

/** Every import of a shared folder's file other than its index, from outside that folder. */
function findDeepImports(root: string): DeepImport[] {
  return CHECKED_TOPS.flatMap((top) => sourceFiles(path.join(root, top))).flatMap((file) => {
    const importer = path.relative(root, file).split(path.sep).join("/");
    return importsOf(file)
      .filter((specifier) => {
        const target = path
          .relative(root, path.resolve(path.dirname(file), specifier))
          .split(path.sep)
          .join("/");
        const folder = sharedFolderOf(target);
        if (folder === undefined || folder === sharedFolderOf(importer)) return false;
        return target !== `${folder}/index.ts`;
      })
      .map((specifier) => ({ file: importer, specifier }));
  });
}

/** A shared folder's own files importing its index, which would make an import cycle. */
function findOwnIndexImports(root: string): DeepImport[] {
  return sourceFiles(path.join(root, "shared")).flatMap((file) => {
    const importer = path.relative(root, file).split(path.sep).join("/");
    const folder = sharedFolderOf(importer);
    if (folder === undefined || importer === `${folder}/index.ts`) return [];
    return importsOf(file)
      .filter((specifier) => {
        const target = path.relative(root, path.resolve(path.dirname(file), specifier));
        return target.split(path.sep).join("/") === `${folder}/index.ts`;
      })
      .map((specifier) => ({ file: importer, specifier }));
  });
}

const describeAll = (found: DeepImport[]): string[] =>
  found.map(({ file, specifier }) => `${file} imports ${specifier}`);

describe("entry points of shared/", () => {
  it("has an index.ts in every shared folder", () => {
    const folders = new Set(
      sourceFiles(path.join(REPO_ROOT, "shared"))
        .map((file) => sharedFolderOf(path.relative(REPO_ROOT, file).split(path.sep).join("/")))
        .filter((folder) => folder !== undefined),
    );
    const withoutIndex = [...folders].filter(
      (folder) => !fs.existsSync(path.join(REPO_ROOT, folder, "index.ts")),
    );
    expect(withoutIndex).toEqual([]);
  });

  it("is imported only through its index from services/, cli/, infra/ and other shared folders", () => {
    expect(describeAll(findDeepImports(REPO_ROOT))).toEqual([]);
  });

  it("never has a shared folder's own files import its index", () => {
    expect(describeAll(findOwnIndexImports(REPO_ROOT))).toEqual([]);
  });
});

describe("the deep-import check itself", () => {
  let tree: string | undefined;

  afterEach(() => {
    if (tree !== undefined) fs.rmSync(tree, { recursive: true, force: true });
    tree = undefined;
  });

  function makeTree(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "entry-points-"));
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), text);
    }
    tree = root;
    return root;
  }

  it("names each deep import across folders and lets index and in-folder imports pass", () => {
    const root = makeTree({
      "shared/messages/index.ts": 'export { subjects } from "./subjects.ts";\n',
      "shared/messages/subjects.ts":
        'import { x } from "./other.ts";\nexport const subjects = x;\n',
      "shared/hardware/mtx/index.ts": 'export * from "./parse.ts";\n',
      "shared/hardware/mtx/parse.ts": 'import type { E } from "../ltfs/errors.ts";\n',
      "shared/nats/lease.ts": 'import { subjects } from "../messages/index.ts";\n',
      "services/gateway/engine/a.ts": [
        'import { subjects } from "../../../shared/messages/subjects.ts";',
        'import { parse } from "../../../shared/hardware/mtx/index.ts";',
        'import { b } from "../b.ts";',
        'const late = await import("../../../shared/nats/lease.ts");',
      ].join("\n"),
      "cli/x.ts": 'export { subjects } from "../shared/messages/subjects.ts";\n',
    });
    expect(describeAll(findDeepImports(root))).toEqual([
      "services/gateway/engine/a.ts imports ../../../shared/messages/subjects.ts",
      "services/gateway/engine/a.ts imports ../../../shared/nats/lease.ts",
      "cli/x.ts imports ../shared/messages/subjects.ts",
      "shared/hardware/mtx/parse.ts imports ../ltfs/errors.ts",
    ]);
  });

  it("names a shared file that imports its own folder's index", () => {
    const root = makeTree({
      "shared/steps/index.ts": 'export * from "./tape-job.ts";\n',
      "shared/steps/tape-job.ts": 'import { a } from "./index.ts";\n',
    });
    expect(describeAll(findOwnIndexImports(root))).toEqual([
      "shared/steps/tape-job.ts imports ./index.ts",
    ]);
  });
});
