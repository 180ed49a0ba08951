export { type CommandResult, formatCommandLine } from "./command-result.ts";
export {
  CommandAbortedError,
  CommandFailedError,
  CommandNotStartedError,
  CommandTimeoutError,
} from "./errors.ts";
export { expectExit, type RunOptions, runCommand } from "./run-command.ts";
