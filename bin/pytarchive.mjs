#!/usr/bin/env node
// The `pytarchive` command: cli/main.ts, run from a cached standalone bundle (see
// bundle-cache.mjs) compiled from V8's code cache, so that a command starts in little more than
// Node.js's own start. Paths resolve against this file's own location, so it works from any
// working directory and through npm's bin symlinks.
import { loadStandaloneBundle, standaloneBundle } from "./bundle-cache.mjs";

const cli = loadStandaloneBundle(await standaloneBundle("cli", "cli/main.ts"));
process.exitCode = await cli.exports.main(process.argv.slice(2));
cli.saveCodeCache();
