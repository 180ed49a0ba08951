// Runs TypeScript entry points from a cached esbuild bundle. Through tsx, every start of a
// command compiles its whole import graph (seconds on a busy 2-core machine); bundled once, a
// start is a plain `node`. The cache (node_modules/.cache/pytarchive/<name>/) records every
// input file's size and mtime from esbuild's metafile and is rebuilt as soon as one changes.
// Plain JavaScript, because it has to run before anything can load TypeScript.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const REPOSITORY_ROOT = fileURLToPath(new URL("../", import.meta.url));
const CACHE_ROOT = path.join(REPOSITORY_ROOT, "node_modules", ".cache", "pytarchive");
const INPUTS_FILE = "inputs.json";

/**
 * @param {string} name folder of this bundle set in the cache
 * @param {Record<string, string>} entryPoints output name → TypeScript entry, relative to the repository
 * @returns {string} the folder holding `<output name>.mjs` for every entry point
 */
export function bundledEntryPoints(name, entryPoints) {
  const dir = path.join(CACHE_ROOT, name);
  if (!isStale(dir, Object.keys(entryPoints))) return dir;
  const staging = path.join(CACHE_ROOT, `${name}.build-${process.pid}-${Date.now()}`);
  fs.mkdirSync(staging, { recursive: true });
  try {
    const result = buildSync({
      absWorkingDir: REPOSITORY_ROOT,
      entryPoints,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outdir: staging,
      outExtension: { ".js": ".mjs" },
      // npm packages (some native) load from the repository's node_modules at run time.
      packages: "external",
      metafile: true,
      logLevel: "error",
    });
    fs.mkdirSync(dir, { recursive: true });
    // Bundles first, the input list last: a reader that sees the new list sees the new bundles.
    for (const output of Object.keys(entryPoints)) {
      fs.renameSync(path.join(staging, `${output}.mjs`), path.join(dir, `${output}.mjs`));
    }
    const inputs = Object.keys(result.metafile.inputs).map((file) => {
      const stat = fs.statSync(path.join(REPOSITORY_ROOT, file));
      return { file, size: stat.size, mtimeMs: stat.mtimeMs };
    });
    fs.writeFileSync(path.join(staging, INPUTS_FILE), JSON.stringify(inputs));
    fs.renameSync(path.join(staging, INPUTS_FILE), path.join(dir, INPUTS_FILE));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

function isStale(dir, outputs) {
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(path.join(dir, INPUTS_FILE), "utf8"));
  } catch {
    return true;
  }
  if (!outputs.every((output) => fs.existsSync(path.join(dir, `${output}.mjs`)))) return true;
  return inputs.some(({ file, size, mtimeMs }) => {
    try {
      const stat = fs.statSync(path.join(REPOSITORY_ROOT, file));
      return stat.size !== size || stat.mtimeMs !== mtimeMs;
    } catch {
      return true;
    }
  });
}
