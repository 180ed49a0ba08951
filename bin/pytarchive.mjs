#!/usr/bin/env node
// The `pytarchive` command: cli/main.ts, run from a cached standalone bundle (see
// bundle-cache.mjs) compiled from V8's code cache, so that a command starts in little more than
// Node.js's own start. Paths resolve against this file's own location, so it works from any
// working directory and through npm's bin symlinks.
import path from "node:path";
import { bundledEntryPoints, loadStandaloneBundle } from "./bundle-cache.mjs";

const bundleDir = bundledEntryPoints("cli", { main: "cli/main.ts" }, { standalone: true });
const cli = loadStandaloneBundle(path.join(bundleDir, "main.cjs"));
process.exitCode = await cli.exports.main(process.argv.slice(2));
cli.saveCodeCache();
