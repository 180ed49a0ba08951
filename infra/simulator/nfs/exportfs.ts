// Entry of the simulated `exportfs` (run as `node --import tsx/esm exportfs.ts <arguments>`,
// with PYTARCHIVE_SIM_STATE naming the library's state folder).
import { processOutput } from "../ltfs/ltfs-log.ts";
import { runExportfs } from "./exportfs-command.ts";

process.exitCode = runExportfs(process.argv.slice(2), processOutput);
