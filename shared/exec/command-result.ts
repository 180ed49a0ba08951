/** What a finished external command left behind: its exit status and everything it printed. */
export interface CommandResult {
  readonly command: string;
  readonly args: readonly string[];
  /** Exit code, or null when the process was ended by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** `mtx -f /dev/sch0 status`, for messages: arguments quoted only where a reader needs it. */
export function formatCommandLine(command: string, args: readonly string[]): string {
  return [command, ...args]
    .map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part)))
    .join(" ");
}
