/**
 * How a simulated tool talks to the world: text to stdout and stderr, and an exit code.
 * The entry scripts pass the real streams; tests can pass a recorder.
 */
export interface ToolIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Thrown to end a simulated tool with an exit code, the way mtx's FatalError calls exit(1). */
export class ToolExit extends Error {
  readonly exitCode: number;

  constructor(exitCode: number) {
    super(`tool exited with code ${exitCode}`);
    this.name = "ToolExit";
    this.exitCode = exitCode;
  }
}

/**
 * mtx's FatalError: `<program>: <message>` on stderr, then exit 1. Real mtx prefixes argv[0]
 * (a full path when run by path); the simulator always prints the bare tool name.
 */
export function fatalError(io: ToolIO, program: string, message: string): never {
  io.stderr(`${program}: ${message}\n`);
  throw new ToolExit(1);
}

/** The process's own streams (writes to pipes and files are synchronous on Linux). */
export const processIO: ToolIO = {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
};

/** Runs a tool body and turns ToolExit into the exit code; anything else is a simulator bug. */
export function runTool(body: () => number): number {
  try {
    return body();
  } catch (error) {
    if (error instanceof ToolExit) return error.exitCode;
    throw error;
  }
}

/** Blocks this (short-lived, single-purpose) process, as a robot move blocks the real mtx. */
export function sleepSync(milliseconds: number): void {
  if (milliseconds <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}
