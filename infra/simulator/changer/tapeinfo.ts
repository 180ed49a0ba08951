/**
 * Entry of the simulated `tapeinfo` (run by `<state>/bin/tapeinfo`). The state folder and the
 * drive come from the device path `<state>/drives/<n>`.
 */
import { runTapeinfo } from "./tapeinfo-command.ts";
import { processIO } from "./tool-io.ts";

process.exitCode = runTapeinfo(process.argv.slice(2), processIO);
