// Entry of the simulated `mkltfs` (run as `node --import tsx/esm mkltfs.ts <mkltfs arguments>`).
import { processOutput } from "./ltfs-log.ts";
import { runMkltfs } from "./mkltfs-command.ts";

process.exitCode = runMkltfs(process.argv.slice(2), processOutput);
