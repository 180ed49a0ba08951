import { PytarchiveError } from "../errors/index.ts";
import { describeDuration } from "../format/index.ts";
import { type CommandResult, formatCommandLine } from "./command-result.ts";

/** How many stderr lines an error message quotes; tools like mtx print long Request Sense dumps. */
const QUOTED_STDERR_LINES = 12;

/** The command ran and exited with a status its caller does not accept. */
export class CommandFailedError extends PytarchiveError {
  readonly result: CommandResult;

  constructor(result: CommandResult, relevantLines: readonly string[]) {
    const how =
      result.exitCode === null
        ? `was ended by signal ${result.signal ?? "unknown"}`
        : `exited with status ${result.exitCode}`;
    const quoted = relevantLines.slice(-QUOTED_STDERR_LINES).join("\n  ");
    super(
      "COMMAND_FAILED",
      `${formatCommandLine(result.command, result.args)} ${how}${quoted ? `:\n  ${quoted}` : " and printed nothing on stderr"}`,
    );
    this.name = "CommandFailedError";
    this.result = result;
  }
}

/** The command could not be started at all (not installed, not executable). */
export class CommandNotStartedError extends PytarchiveError {
  constructor(command: string, args: readonly string[], cause: NodeJS.ErrnoException) {
    const missing = cause.code === "ENOENT";
    super(
      missing ? "COMMAND_NOT_FOUND" : "COMMAND_NOT_STARTED",
      missing
        ? `${command} was not found (running ${formatCommandLine(command, args)})`
        : `${formatCommandLine(command, args)} could not be started: ${cause.message}`,
      {
        hint: missing
          ? `Install ${command}, or set its path in the [Tools] section of pytarchive.conf.`
          : `Check that ${command} is executable by the user pytarchive runs as.`,
        cause,
      },
    );
    this.name = "CommandNotStartedError";
  }
}

/** The command did not finish within its time limit and was stopped. */
export class CommandTimeoutError extends PytarchiveError {
  readonly result: CommandResult;

  constructor(result: CommandResult, timeoutMs: number) {
    super(
      "COMMAND_TIMEOUT",
      `${formatCommandLine(result.command, result.args)} did not finish within ${describeDuration(timeoutMs)} and was stopped`,
      { hint: "The device may be hung or busy; check it, then retry the job." },
    );
    this.name = "CommandTimeoutError";
    this.result = result;
  }
}

/** The caller gave up on the command (a job was aborted) and it was stopped. */
export class CommandAbortedError extends PytarchiveError {
  readonly result: CommandResult;

  constructor(result: CommandResult) {
    super("COMMAND_ABORTED", `${formatCommandLine(result.command, result.args)} was aborted`);
    this.name = "CommandAbortedError";
    this.result = result;
  }
}
