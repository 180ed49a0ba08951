// Entry of the simulated `ltfs` (run as `node --import tsx/esm ltfs.ts <ltfs arguments>`).
import { runLtfs } from "./ltfs-command.ts";
import { processOutput } from "./ltfs-log.ts";

process.exitCode = await runLtfs(process.argv.slice(2), processOutput);
