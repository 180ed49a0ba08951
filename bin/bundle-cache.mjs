// Runs TypeScript entry points from a cached esbuild bundle. Through tsx, every start of a
// command compiles its whole import graph (seconds on a busy 2-core machine); bundled once, a
// start is a plain `node`. The cache (node_modules/.cache/pytarchive/<name>/) records every
// input file's size and mtime from esbuild's metafile and is rebuilt as soon as one changes.
// Plain JavaScript, because it has to run before anything can load TypeScript.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const REPOSITORY_ROOT = fileURLToPath(new URL("../", import.meta.url));
const CACHE_ROOT = path.join(REPOSITORY_ROOT, "node_modules", ".cache", "pytarchive");
const INPUTS_FILE = "inputs.json";
/** npm rewrites it on every install: one stat instead of one per bundled package file. */
const INSTALLED_PACKAGES = "node_modules/.package-lock.json";
/** Packages with a native addon, never put in a bundle. */
const NATIVE_PACKAGES = ["@napi-rs/xattr", "@napi-rs/xattr-*", "esbuild"];
const CODE_CACHE_SUFFIX = ".v8-code-cache";

/**
 * @param {string} name folder of this bundle set in the cache
 * @param {Record<string, string>} entryPoints output name → TypeScript entry, relative to the repository
 * @param {{ standalone?: boolean }} [options] `standalone`: one CommonJS file `<output name>.cjs`
 *   holding the npm packages too (native addons excepted), for `loadStandaloneBundle`; otherwise
 *   an ES module `<output name>.mjs` that imports the packages from node_modules
 * @returns {string} the folder holding the bundle of every entry point
 */
export function bundledEntryPoints(name, entryPoints, options = {}) {
  const dir = path.join(CACHE_ROOT, name);
  const format = options.standalone ? "cjs" : "esm";
  const extension = format === "cjs" ? ".cjs" : ".mjs";
  const outputs = Object.keys(entryPoints).map((output) => path.join(dir, output + extension));
  if (!isStale(dir, outputs, format)) return dir;
  const staging = path.join(CACHE_ROOT, `${name}.build-${process.pid}-${Date.now()}`);
  fs.mkdirSync(staging, { recursive: true });
  try {
    // Loaded only to build: a start from a fresh bundle does not pay for esbuild's JavaScript.
    const { buildSync } = createRequire(import.meta.url)("esbuild");
    const result = buildSync({
      absWorkingDir: REPOSITORY_ROOT,
      entryPoints,
      bundle: true,
      platform: "node",
      format,
      target: "node20",
      outdir: staging,
      outExtension: { ".js": extension },
      // npm packages (some native) load from the repository's node_modules at run time, unless
      // the bundle stands alone: one file to read and compile instead of hundreds of modules.
      ...(format === "cjs" ? { external: NATIVE_PACKAGES } : { packages: "external" }),
      metafile: true,
      logLevel: "error",
    });
    fs.mkdirSync(dir, { recursive: true });
    // Bundles first, the input list last: a reader that sees the new list sees the new bundles.
    for (const output of Object.keys(entryPoints)) {
      const bundle = path.join(dir, output + extension);
      fs.renameSync(path.join(staging, output + extension), bundle);
      fs.rmSync(bundle + CODE_CACHE_SUFFIX, { force: true });
    }
    const files = Object.keys(result.metafile.inputs).filter(
      (file) => !file.startsWith("node_modules/"),
    );
    if (files.length < Object.keys(result.metafile.inputs).length) files.push(INSTALLED_PACKAGES);
    const inputs = files.map((file) => {
      const stat = fs.statSync(path.join(REPOSITORY_ROOT, file));
      return { file, size: stat.size, mtimeMs: stat.mtimeMs };
    });
    fs.writeFileSync(path.join(staging, INPUTS_FILE), JSON.stringify({ format, inputs }));
    fs.renameSync(path.join(staging, INPUTS_FILE), path.join(dir, INPUTS_FILE));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

function isStale(dir, outputs, format) {
  let built;
  try {
    built = JSON.parse(fs.readFileSync(path.join(dir, INPUTS_FILE), "utf8"));
  } catch {
    return true;
  }
  if (built.format !== format || !Array.isArray(built.inputs)) return true;
  if (!outputs.every((output) => fs.existsSync(output))) return true;
  return built.inputs.some(({ file, size, mtimeMs }) => {
    const stat = fs.statSync(REPOSITORY_ROOT + file, { throwIfNoEntry: false });
    return stat === undefined || stat.size !== size || stat.mtimeMs !== mtimeMs;
  });
}

/**
 * Runs a standalone bundle (`<name>.cjs`) and returns its exports, compiled from V8's code cache
 * beside it when there is one: parsing a megabyte of JavaScript is most of a start. Call
 * `saveCodeCache()` once the work is done, so that the functions the run compiled are in it;
 * it writes only when there was no usable cache (a new bundle or another Node.js).
 *
 * @param {string} file the bundle
 * @returns {{ exports: Record<string, unknown>, saveCodeCache(): void }}
 */
export function loadStandaloneBundle(file) {
  const cacheFile = file + CODE_CACHE_SUFFIX;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The wrapper Node.js itself gives a CommonJS module.
  const source = `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, "utf8")}\n})`;
  const script = new vm.Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
  return {
    exports: module.exports,
    saveCodeCache() {
      if (cachedData !== undefined && !script.cachedDataRejected) return;
      try {
        const staging = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(staging, script.createCachedData());
        fs.renameSync(staging, cacheFile);
      } catch {
        // A read-only checkout still runs, only without the cache.
      }
    },
  };
}
