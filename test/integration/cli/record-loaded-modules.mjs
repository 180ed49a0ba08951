// Preloaded with `node --import` by cli-start.test.ts: appends every module the process loads,
// ES modules (`esm <url>`) and CommonJS (`cjs <request>`), to $PYTARCHIVE_MODULE_LOG.
import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";

const log = process.env.PYTARCHIVE_MODULE_LOG;
if (log) {
  register(new URL("./record-loaded-modules-hooks.mjs", import.meta.url));
  const load = Module._load;
  Module._load = function recordLoad(request, ...rest) {
    appendFileSync(log, `cjs ${request}\n`);
    return load.call(this, request, ...rest);
  };
}
