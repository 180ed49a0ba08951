/**
 * Entry of the simulated `mtx` (run by `<state>/bin/mtx`). The state folder is the directory
 * of the changer device given with `-f`.
 */
import { runMtx } from "./mtx-command.ts";
import { processIO } from "./tool-io.ts";

process.exitCode = runMtx(process.argv.slice(2), processIO);
