// Entry of the simulated `fuser` (run as `node --import tsx/esm fuser.ts <arguments>`).
import { processOutput } from "../ltfs/ltfs-log.ts";
import { runFuser } from "./fuser-command.ts";

process.exitCode = runFuser(process.argv.slice(2), processOutput);
