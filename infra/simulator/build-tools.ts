import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync, version as esbuildVersion } from "esbuild";

/**
 * The simulated tools run as separate processes, often (every `mtx status`, every mount). Run
 * through tsx, each start costs a TypeScript loader (~0.35 s idle, over 1 s on a busy machine);
 * bundled once into plain ES modules, a start is a bare `node`. Bundles are cached under
 * node_modules/.cache, keyed by the sources, so a changed simulator is rebuilt by itself.
 */

const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SIMULATOR_DIR = fileURLToPath(new URL("./", import.meta.url));
const SOURCE_DIRS = [SIMULATOR_DIR, path.join(REPOSITORY_ROOT, "shared")];
const CACHE_DIR = path.join(REPOSITORY_ROOT, "node_modules", ".cache", "pytarchive-sim");
const COMPLETE_MARKER = ".complete";

/** Entry points to bundle, by the name of the executable they become. */
export const BUNDLED_ENTRIES = {
  mtx: "changer/mtx.ts",
  tapeinfo: "changer/tapeinfo.ts",
  mkltfs: "ltfs/mkltfs.ts",
  ltfs: "ltfs/ltfs.ts",
  "ltfs-daemon": "ltfs/ltfs-daemon.ts",
  ltfsck: "ltfs/ltfsck.ts",
  exportfs: "nfs/exportfs.ts",
  fuser: "nfs/fuser.ts",
} as const;

export type BundledEntry = keyof typeof BUNDLED_ENTRIES;

/** Folder holding `<entry>.mjs` for every bundled entry, built now if the sources changed. */
export function simulatorBundleDir(): string {
  const dir = path.join(CACHE_DIR, sourcesKey());
  if (fs.existsSync(path.join(dir, COMPLETE_MARKER))) return dir;
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const staging = fs.mkdtempSync(path.join(CACHE_DIR, "build-"));
  try {
    buildSync({
      entryPoints: Object.fromEntries(
        Object.entries(BUNDLED_ENTRIES).map(([name, entry]) => [
          name,
          path.join(SIMULATOR_DIR, entry),
        ]),
      ),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outdir: staging,
      outExtension: { ".js": ".mjs" },
      // Native and npm packages load from the repository's node_modules at run time.
      packages: "external",
      logLevel: "error",
    });
    fs.writeFileSync(path.join(staging, COMPLETE_MARKER), "");
    try {
      fs.renameSync(staging, dir);
    } catch (error) {
      // Another process finished the same build first: its bundles are identical.
      if (!fs.existsSync(path.join(dir, COMPLETE_MARKER))) throw error;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

function sourcesKey(): string {
  const hash = createHash("sha256").update(`esbuild ${esbuildVersion}\n`);
  for (const file of SOURCE_DIRS.flatMap(listTypeScriptFiles).sort()) {
    hash.update(`${path.relative(REPOSITORY_ROOT, file)}\n`).update(fs.readFileSync(file));
  }
  return hash.digest("hex").slice(0, 16);
}

function listTypeScriptFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => path.join(dir, name));
}
