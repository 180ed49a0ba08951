// Entry of the simulated `lsscsi` (run by `<state>/bin/lsscsi`, with PYTARCHIVE_SIM_STATE
// naming the library's state folder).
import { runLsscsi } from "./lsscsi-command.ts";
import { processIO } from "./tool-io.ts";

process.exitCode = runLsscsi(process.argv.slice(2), processIO);
