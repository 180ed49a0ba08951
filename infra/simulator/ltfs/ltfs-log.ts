import fs from "node:fs";
import os from "node:os";

/**
 * How the simulated LTFS tools print their messages, as the real ones do: `LTFS<id> <text>` on
 * stderr, where the id ends in its level (E, W, I). `ltfs` puts its thread id in hex in front
 * (`65c6 LTFS11031I …`); mkltfs and ltfsck print none. Quiet mode (`-q`, `-o quiet`) drops the
 * informational messages only: LTFS30061E still shows, as it does on every real run.
 */
export interface LtfsLog {
  /** One message; `id` is the number with its level letter, e.g. "15024I". */
  say(id: string, text: string): void;
  /** A line that is not an LTFS message: FUSE's own complaints, usage text, a blank line. */
  line(text: string): void;
  /** Like `line`, but dropped in quiet mode (the blank lines mkltfs prints between steps). */
  infoLine(text: string): void;
}

export interface LtfsLogOptions {
  readonly write: (text: string) => void;
  /** Thread id printed before each message (ltfs only), already in hex. */
  readonly threadId?: string;
  readonly quiet?: boolean;
}

export function createLtfsLog(options: LtfsLogOptions): LtfsLog {
  const prefix = options.threadId === undefined ? "" : `${options.threadId} `;
  return {
    say(id, text) {
      if (options.quiet && id.endsWith("I")) return;
      options.write(`${prefix}LTFS${id} ${text}\n`);
    },
    line(text) {
      options.write(`${text}\n`);
    },
    infoLine(text) {
      if (!options.quiet) options.write(`${text}\n`);
    },
  };
}

/** Where a simulated tool's text goes: the process's own streams, or a recorder in tests. */
export interface ToolOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(descriptor: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(descriptor, bytes, offset);
    } catch (error) {
      // A full non-blocking pipe: wait for the reader. Anything else (a closed stream, as a
      // detached daemon has): nobody is listening.
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

/** The process's stdout and stderr, written synchronously so nothing is lost at exit. */
export const processOutput: ToolOutput = {
  stdout: (text) => writeAll(1, text),
  stderr: (text) => writeAll(2, text),
};

/** The thread-id prefix of `ltfs` messages: real LTFS prints the thread id in hex. */
export function ltfsThreadId(): string {
  return process.pid.toString(16);
}

/** `Kernel version: …` as LTFS17087I prints it: /proc/version followed by the machine word. */
export function kernelVersionText(): string {
  let version = `Linux version ${os.release()}`;
  try {
    version = fs.readFileSync("/proc/version", "utf8").trim();
  } catch {
    // Not Linux, or /proc hidden: the release is enough.
  }
  return `${version} i386`;
}

/** The PRETTY_NAME line of /etc/os-release, as LTFS17089I prints it (null when absent). */
export function distributionText(): string | null {
  try {
    const text = fs.readFileSync("/etc/os-release", "utf8");
    return text.split("\n").find((line) => line.startsWith("PRETTY_NAME=")) ?? null;
  } catch {
    return null;
  }
}

/** The build and system lines every LTFS tool prints after its start message. */
export function sayRuntimeInfo(log: LtfsLog): void {
  log.say("17087I", `Kernel version: ${kernelVersionText()}.`);
  const distribution = distributionText();
  if (distribution !== null) log.say("17089I", `Distribution: ${distribution}.`);
}

/** A pointer-looking value for LTFS11337I ("… (0x0x55bbbfebacd0)."), which prints a pointer. */
export function fakePointer(): string {
  const low = Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, "0");
  return `0x0x55${(process.pid & 0xff).toString(16).padStart(2, "0")}${low}`;
}
