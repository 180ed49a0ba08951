import { spawn } from "node:child_process";
import type { CommandResult } from "./command-result.ts";
import {
  CommandAbortedError,
  CommandFailedError,
  CommandNotStartedError,
  CommandTimeoutError,
} from "./errors.ts";

export interface RunOptions {
  /** Stop the command after this long (SIGTERM, then SIGKILL). Default: 10 minutes. */
  readonly timeoutMs?: number;
  /** Stop the command when this signal aborts (same escalation as a timeout). */
  readonly signal?: AbortSignal;
  readonly cwd?: string;
  /** Added to (and overriding) the environment of this process. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the command's standard input, which is then closed. */
  readonly input?: string;
  /** Called with each complete line of standard output as it arrives (for progress). */
  readonly onStdoutLine?: (line: string) => void;
  /** Called with each complete line of standard error as it arrives. */
  readonly onStderrLine?: (line: string) => void;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** How long a stopped command gets to exit after SIGTERM before it is killed. */
const KILL_GRACE_MS = 5_000;

/**
 * Runs an external command with an argument array — never through a shell, so a path with
 * spaces, quotes or `$(…)` stays one literal argument. Resolves for any exit code (tools such as
 * ltfsck exit 1 on success; the caller decides); rejects only when the command cannot start,
 * times out, or is aborted.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new CommandAbortedError(emptyResult(command, args)));
      return;
    }
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ["pipe", "pipe", "pipe"],
      shell: false,
      // A process group of its own: Ctrl-C in the terminal that runs `npm start` signals the
      // whole foreground group, and must reach only pytarchive, which then stops in order. An
      // `umount` or `mtx` killed by that signal mid-way would leave a tape mounted or half moved.
      // Timeouts and aborts still stop the command (they signal its pid).
      detached: true,
    });
    const stdout = new LineCollector(options.onStdoutLine);
    const stderr = new LineCollector(options.onStderrLine);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => stdout.push(chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
    // A command that exits without reading its input must not crash us with EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");

    let stopReason: "timeout" | "abort" | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (reason: "timeout" | "abort") => {
      if (stopReason) return;
      stopReason = reason;
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop("timeout"), timeoutMs);
    const onAbort = () => stop("abort");
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const cleanUp = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (error: NodeJS.ErrnoException) => {
      cleanUp();
      reject(new CommandNotStartedError(command, args, error));
    });
    child.on("close", (exitCode, signal) => {
      cleanUp();
      const result: CommandResult = {
        command,
        args: [...args],
        exitCode,
        signal,
        stdout: stdout.finish(),
        stderr: stderr.finish(),
        durationMs: Math.round(performance.now() - started),
      };
      if (stopReason === "timeout") reject(new CommandTimeoutError(result, timeoutMs));
      else if (stopReason === "abort") reject(new CommandAbortedError(result));
      else resolve(result);
    });
  });
}

/**
 * Returns the result when its exit code is one of `okExitCodes`, and otherwise throws a
 * CommandFailedError quoting the stderr lines that matter (all non-empty ones unless a filter
 * says which).
 */
export function expectExit(
  result: CommandResult,
  okExitCodes: readonly number[] = [0],
  isRelevantLine: (line: string) => boolean = (line) => line.trim() !== "",
): CommandResult {
  if (result.exitCode !== null && okExitCodes.includes(result.exitCode)) return result;
  const relevant = result.stderr.split("\n").filter(isRelevantLine);
  throw new CommandFailedError(result, relevant);
}

function emptyResult(command: string, args: readonly string[]): CommandResult {
  return {
    command,
    args: [...args],
    exitCode: null,
    signal: null,
    stdout: "",
    stderr: "",
    durationMs: 0,
  };
}

/** Keeps everything a stream printed and hands out each line as soon as it is complete. */
class LineCollector {
  readonly #chunks: string[] = [];
  #partial = "";
  readonly #onLine: ((line: string) => void) | undefined;

  constructor(onLine: ((line: string) => void) | undefined) {
    this.#onLine = onLine;
  }

  push(chunk: string): void {
    this.#chunks.push(chunk);
    if (!this.#onLine) return;
    const lines = (this.#partial + chunk).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) this.#onLine(line);
  }

  finish(): string {
    if (this.#onLine && this.#partial !== "") this.#onLine(this.#partial);
    this.#partial = "";
    return this.#chunks.join("");
  }
}
