#!/usr/bin/env node
// The `pytarchive` command. The code is TypeScript run through tsx; the import below is
// resolved against this file's own location, so it works from any working directory and
// through npm's bin symlinks.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
