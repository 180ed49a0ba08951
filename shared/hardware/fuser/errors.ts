import { PytarchiveError } from "../../errors/index.ts";

/** Stable codes of every fuser failure. */
export const FUSER_ERROR_CODES = {
  unparseable: "FUSER_OUTPUT_UNPARSEABLE",
  killFailed: "FUSER_KILL_FAILED",
  failed: "FUSER_FAILED",
} as const;

export type FuserErrorCode = (typeof FUSER_ERROR_CODES)[keyof typeof FUSER_ERROR_CODES];

/** A fuser failure, with the path asked about when there is one. */
export class FuserError extends PytarchiveError {
  readonly path: string | null;

  constructor(code: FuserErrorCode, message: string, hint: string, path: string | null) {
    super(code, message, { hint });
    this.name = new.target.name;
    this.path = path;
  }
}

/** Output that is not the `fuser -v` report. */
export class FuserOutputUnparseableError extends FuserError {
  constructor(line: string, why: string) {
    super(
      FUSER_ERROR_CODES.unparseable,
      `Not a \`fuser -v\` line (${why}): ${JSON.stringify(line)}`,
      "Check that the configured fuser is the one from psmisc.",
      null,
    );
  }
}

/** Some processes using the mount point could not be killed; it stays busy. */
export class FuserKillFailedError extends FuserError {
  readonly failures: readonly { readonly pid: number; readonly reason: string }[];

  constructor(path: string, failures: readonly { pid: number; reason: string }[]) {
    const list = failures.map((f) => `${f.pid} (${f.reason})`).join(", ");
    super(
      FUSER_ERROR_CODES.killFailed,
      `Could not end every process using ${path}: ${list}`,
      `pytarchive may lack the right to end them; look at them with \`fuser -vm ${path}\` and end them as root.`,
      path,
    );
    this.failures = failures;
  }
}

/** fuser could not look at the path (it does not exist, /proc unreadable …). */
export class FuserFailedError extends FuserError {
  constructor(path: string, exitCode: number | null, lines: readonly string[]) {
    super(
      FUSER_ERROR_CODES.failed,
      `fuser could not check ${path} (${exitCode === null ? "stopped" : `exit status ${exitCode}`})${lines.length > 0 ? `: ${lines.slice(-4).join("; ")}` : ""}`,
      "Check that the path exists and is mounted, and that psmisc's fuser is installed.",
      path,
    );
  }
}
