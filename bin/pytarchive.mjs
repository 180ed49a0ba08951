#!/usr/bin/env node
// The `pytarchive` command: cli/main.ts, run from a cached bundle (see bundle-cache.mjs) so
// that a command starts in a fraction of a second. Paths resolve against this file's own
// location, so it works from any working directory and through npm's bin symlinks.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bundledEntryPoints } from "./bundle-cache.mjs";

const bundleDir = bundledEntryPoints("cli", { main: "cli/main.ts" });
const { main } = await import(pathToFileURL(path.join(bundleDir, "main.mjs")).href);
process.exitCode = await main(process.argv.slice(2));
