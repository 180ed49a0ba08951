import { execFileSync } from "node:child_process";

/** A system command (mount, losetup, mkfs.ext4 …) that the simulated drive needed failed. */
export class SystemCommandError extends Error {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(command: string, args: readonly string[], exitCode: number | null, stderr: string) {
    const detail = stderr.trim() || `exit code ${exitCode}`;
    super(`${command} ${args.join(" ")} failed: ${detail}`);
    this.name = "SystemCommandError";
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/**
 * Runs a system command with an argument array (never through a shell) and returns its stdout.
 * The simulated tools are short synchronous programs, so blocking here is what they want.
 */
export function runSystemCommand(
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly timeoutMs?: number } = {},
): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 120_000,
    });
  } catch (error) {
    const failure = error as { status?: number | null; stderr?: string; message?: string };
    throw new SystemCommandError(
      command,
      args,
      failure.status ?? null,
      failure.stderr ?? failure.message ?? "",
    );
  }
}
