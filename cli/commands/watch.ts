import { setTimeout as sleep } from "node:timers/promises";
import { isTransientError, PytarchiveError } from "../../shared/errors/index.ts";
import type { QueueJob } from "../../shared/messages/index.ts";
import { parseCommandLine } from "../client/arguments.ts";
import type { GatewayClient, GatewayConnector } from "../client/gateway-client.ts";
import type { CliCommand, CliIo } from "../command.ts";
import { ENDED_STATES, watchLine, watchOutcome } from "../render/watch.ts";
import { CliUsageError } from "../usage-error.ts";

/** What `watch` exits with: the outcome of the tasks it followed. */
export const WATCH_EXIT = {
  done: 0,
  failed: 3,
  aborted: 4,
  /** Ctrl-C: the watch ended, the task goes on. */
  interrupted: 130,
} as const;

const USAGE = `usage: pytarchive watch [ID] [--json]

Follows a task until it ends: a progress bar with the percentage, the amount done, the rate and
the time left, redrawn every second; then how it ended. Without ID it follows the tasks running
now (or says that none is). Ctrl-C ends the watch, never the task.

Exit codes:
  0    the task ended done (without ID: every task followed)
  3    it failed (the error and what to do are printed)
  4    it was aborted
  1    the watch itself failed (pytarchive not running, no such task)
  2    bad usage
  130  interrupted with Ctrl-C; the task goes on (\`pytarchive queue\` shows it)

Options:
  --json      print one JSON line per change instead: the task as \`pytarchive queue --json\`
              lists it, with "progressFigures" (percent, bytesDone, bytesTotal, filesDone,
              filesTotal, bytesPerSecond, filesPerSecond, etaSeconds, at, live)
  -h, --help  show this help

Examples:
  pytarchive watch 3fa2b1c0
  pytarchive watch --json | jq .progressFigures.percent
`;

/** How often the gateway is asked; steps report about every second. */
const POLL_MS = 1_000;
/** How long the watch waits for a pytarchive that stopped answering (a restart). */
const UNREACHABLE_GIVE_UP_MS = 60_000;
/** Without a terminal, a progress line is printed at most this often. */
const PLAIN_LINE_EVERY_MS = 10_000;

/** `pytarchive watch [ID]`: follows tasks through the gateway until they end. */
export function watchCommand(connect: GatewayConnector): CliCommand {
  return {
    name: "watch",
    summary: "follow a task's progress until it ends; exit code says how it ended",
    usage: USAGE,
    async run(argv, io) {
      const { positionals, json } = parseCommandLine(argv, {});
      if (positionals.length > 1) {
        throw new CliUsageError(
          "watch",
          `Unexpected argument '${positionals[1]}': pytarchive watch takes one task id, or none.`,
          { hint: "Run `pytarchive watch` without an id to follow every running task." },
        );
      }
      const id = positionals[0];
      const gateway = await connect();
      const interrupt = new AbortController();
      const onInterrupt = () => interrupt.abort();
      process.once("SIGINT", onInterrupt);
      try {
        const ids =
          id === undefined
            ? (await gateway.send("queue", {})).running.map((job) => job.id)
            : [(await gateway.send("job", { id })).job.id];
        if (ids.length === 0) {
          io.stdout("Nothing is running. `pytarchive queue` lists the queued and failed tasks.\n");
          return WATCH_EXIT.done;
        }
        const ended = await follow(gateway, ids, { json, io, signal: interrupt.signal });
        if (ended === null) {
          io.stdout(
            `\nStopped watching; ${ids.length === 1 ? `task ${ids[0]} goes` : "the tasks go"} on (\`pytarchive queue\` shows ${ids.length === 1 ? "it" : "them"}).\n`,
          );
          return WATCH_EXIT.interrupted;
        }
        return exitCodeOf(ended);
      } finally {
        process.removeListener("SIGINT", onInterrupt);
        await gateway.close();
      }
    },
  };
}

/** Failed beats aborted beats done: the exit code says the worst that happened. */
function exitCodeOf(jobs: readonly QueueJob[]): number {
  if (jobs.some((job) => job.state === "failed")) return WATCH_EXIT.failed;
  if (jobs.some((job) => job.state === "aborted")) return WATCH_EXIT.aborted;
  return WATCH_EXIT.done;
}

/**
 * Asks for each task every second and shows it, until all ended (their last state) or the
 * signal fires (null).
 */
async function follow(
  gateway: GatewayClient,
  ids: readonly string[],
  options: { json: boolean; io: CliIo; signal: AbortSignal },
): Promise<QueueJob[] | null> {
  const { io, signal } = options;
  const view = options.json ? jsonView(io) : io.terminal ? terminalView(io) : plainView(io);
  let unreachableSince: number | null = null;
  while (!signal.aborted) {
    let jobs: QueueJob[];
    try {
      jobs = [];
      for (const id of ids) jobs.push((await gateway.send("job", { id })).job);
      unreachableSince = null;
    } catch (error) {
      // pytarchive restarting is no reason to stop watching; a real refusal is.
      if (!(error instanceof PytarchiveError && isTransientError(error))) throw error;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > UNREACHABLE_GIVE_UP_MS) throw error;
      await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
      continue;
    }
    const done = jobs.every((job) => ENDED_STATES.has(job.state));
    view.show(jobs, done);
    if (done) return jobs;
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  view.stop();
  return null;
}

interface WatchView {
  show(jobs: readonly QueueJob[], ended: boolean): void;
  stop(): void;
}

/** One JSON line per task whenever it changed. */
function jsonView(io: CliIo): WatchView {
  const last = new Map<string, string>();
  return {
    show(jobs) {
      for (const job of jobs) {
        const line = JSON.stringify(job);
        if (last.get(job.id) === line) continue;
        last.set(job.id, line);
        io.stdout(`${line}\n`);
      }
    },
    stop() {},
  };
}

/** A line per task, redrawn in place; the outcomes below once all ended. */
function terminalView(io: CliIo): WatchView {
  const terminal = io.terminal;
  if (terminal === undefined) throw new Error("terminalView needs a terminal");
  let drawn = 0;
  return {
    show(jobs, ended) {
      const up = drawn > 1 ? `\x1b[${drawn - 1}A` : "";
      const lines = jobs.map((job) => `\x1b[2K${watchLine(job, terminal.columns - 1)}`);
      terminal.write(`${drawn > 0 ? `${up}\r` : ""}${lines.join("\n")}`);
      drawn = lines.length;
      if (ended) io.stdout(`\n${jobs.map(watchOutcome).join("")}`);
    },
    stop() {
      if (drawn > 0) terminal.write("\n");
    },
  };
}

/** Without a terminal (a pipe, a log): a line when a task changed, at most every 10 s. */
function plainView(io: CliIo): WatchView {
  const shown = new Map<string, { line: string; at: number }>();
  return {
    show(jobs, ended) {
      for (const job of jobs) {
        const line = watchLine(job, 200);
        const before = shown.get(job.id);
        const due = before === undefined || Date.now() - before.at >= PLAIN_LINE_EVERY_MS;
        if (ENDED_STATES.has(job.state) || !due || before?.line === line) continue;
        shown.set(job.id, { line, at: Date.now() });
        io.stdout(`${line}\n`);
      }
      if (ended) io.stdout(jobs.map(watchOutcome).join(""));
    },
    stop() {},
  };
}
