// Entry of the simulated `ltfsck` (run as `node --import tsx/esm ltfsck.ts <ltfsck arguments>`).
import { processOutput } from "./ltfs-log.ts";
import { runLtfsck } from "./ltfsck-command.ts";

process.exitCode = runLtfsck(process.argv.slice(2), processOutput);
