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
/** Packages with a native addon, never put in a standalone bundle. */
const NATIVE_PACKAGES = ["@napi-rs/xattr", "@napi-rs/xattr-*", "esbuild"];
/**
 * Packages whose import alone does nothing a standalone bundle needs: what it does not use of
 * them is left out (the CLI reaches them through shared/ barrels, and would run their modules).
 */
const SIDE_EFFECT_FREE_PACKAGES = /^(@nats-io\/(jetstream|kv|services)|pino)$/;
const CODE_CACHE_SUFFIX = ".v8-code-cache";

// Loaded only to build: a start from a fresh bundle does not pay for esbuild's JavaScript.
const esbuild = () => createRequire(import.meta.url)("esbuild");

/**
 * ES module bundles `<output name>.mjs` that import the npm packages from node_modules.
 *
 * @param {string} name folder of this bundle set in the cache
 * @param {Record<string, string>} entryPoints output name → TypeScript entry, relative to the repository
 * @returns {string} the folder holding `<output name>.mjs` for every entry point
 */
export function bundledEntryPoints(name, entryPoints) {
  const dir = path.join(CACHE_ROOT, name);
  const outputs = Object.keys(entryPoints).map((output) => `${output}.mjs`);
  if (!isStale(dir, outputs, "esm")) return dir;
  return replaceBundles(dir, outputs, "esm", (outdir) =>
    esbuild().buildSync({
      ...commonOptions(entryPoints, outdir),
      format: "esm",
      outExtension: { ".js": ".mjs" },
      packages: "external",
    }),
  );
}

/**
 * One CommonJS file `<name>/main.cjs` holding `entry` and the npm packages it uses (native
 * addons excepted), for `loadStandaloneBundle`: one file to read and compile instead of hundreds
 * of modules.
 *
 * @param {string} name folder of this bundle in the cache
 * @param {string} entry TypeScript entry, relative to the repository
 * @returns {Promise<string>} the bundle's path
 */
export async function standaloneBundle(name, entry) {
  const dir = path.join(CACHE_ROOT, name);
  if (isStale(dir, ["main.cjs"], "cjs")) {
    await replaceBundles(dir, ["main.cjs"], "cjs", (outdir) =>
      esbuild().build({
        ...commonOptions({ main: entry }, outdir),
        format: "cjs",
        outExtension: { ".js": ".cjs" },
        external: NATIVE_PACKAGES,
        plugins: [sideEffectFree(SIDE_EFFECT_FREE_PACKAGES)],
      }),
    );
  }
  return path.join(dir, "main.cjs");
}

function commonOptions(entryPoints, outdir) {
  return {
    absWorkingDir: REPOSITORY_ROOT,
    entryPoints,
    bundle: true,
    platform: "node",
    target: "node20",
    outdir,
    metafile: true,
    logLevel: "error",
  };
}

/** Marks the packages matching `filter` as free of side effects (package.json `sideEffects: false`). */
function sideEffectFree(filter) {
  const again = Symbol("resolving");
  return {
    name: "side-effect-free",
    setup(build) {
      build.onResolve({ filter }, async (args) => {
        if (args.pluginData === again) return undefined;
        const { kind, resolveDir, importer } = args;
        const resolved = await build.resolve(args.path, {
          kind,
          resolveDir,
          importer,
          pluginData: again,
        });
        return resolved.errors.length > 0
          ? { errors: resolved.errors }
          : { path: resolved.path, sideEffects: false };
      });
    },
  };
}

/** Builds into a staging folder (`build` returns esbuild's result or its promise), then moves the bundles in. */
function replaceBundles(dir, outputs, format, build) {
  const staging = path.join(CACHE_ROOT, `${path.basename(dir)}.build-${process.pid}-${Date.now()}`);
  fs.mkdirSync(staging, { recursive: true });
  const install = (result) => {
    fs.mkdirSync(dir, { recursive: true });
    // Bundles first, the input list last: a reader that sees the new list sees the new bundles.
    for (const output of outputs) {
      fs.renameSync(path.join(staging, output), path.join(dir, output));
      fs.rmSync(path.join(dir, output + CODE_CACHE_SUFFIX), { force: true });
    }
    const files = Object.keys(result.metafile.inputs).filter(
      (file) => !file.startsWith("node_modules/"),
    );
    if (files.length < Object.keys(result.metafile.inputs).length) files.push(INSTALLED_PACKAGES);
    // How the bundles are built is an input too.
    files.push(path.relative(REPOSITORY_ROOT, fileURLToPath(import.meta.url)));
    const inputs = files.map((file) => {
      const stat = fs.statSync(path.join(REPOSITORY_ROOT, file));
      return { file, size: stat.size, mtimeMs: stat.mtimeMs };
    });
    fs.writeFileSync(path.join(staging, INPUTS_FILE), JSON.stringify({ format, inputs }));
    fs.renameSync(path.join(staging, INPUTS_FILE), path.join(dir, INPUTS_FILE));
    return dir;
  };
  const cleanUp = () => fs.rmSync(staging, { recursive: true, force: true });
  let result;
  try {
    result = build(staging);
  } catch (error) {
    cleanUp();
    throw error;
  }
  if (typeof result.then !== "function") {
    try {
      return install(result);
    } finally {
      cleanUp();
    }
  }
  return result.then(install).finally(cleanUp);
}

function isStale(dir, outputs, format) {
  let built;
  try {
    built = JSON.parse(fs.readFileSync(path.join(dir, INPUTS_FILE), "utf8"));
  } catch {
    return true;
  }
  if (built.format !== format || !Array.isArray(built.inputs)) return true;
  if (!outputs.every((output) => fs.existsSync(path.join(dir, output)))) return true;
  return built.inputs.some(({ file, size, mtimeMs }) => {
    const stat = fs.statSync(REPOSITORY_ROOT + file, { throwIfNoEntry: false });
    return stat === undefined || stat.size !== size || stat.mtimeMs !== mtimeMs;
  });
}

/**
 * Runs a standalone bundle and returns its exports, compiled from V8's code cache beside it when
 * there is one: parsing a megabyte of JavaScript is most of a start. Call `saveCodeCache()` once
 * the work is done, so that the functions the run compiled are in it; it writes only when there
 * was no usable cache (a new bundle or another Node.js).
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
