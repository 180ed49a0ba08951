import type { LogStream } from "./logger.ts";

/** Keys every line has, shown in the line's head rather than as `key=value`. */
const FRAME_KEYS = new Set(["time", "level", "service", "msg"]);

/**
 * Turns a JSON log line into one a person reads on a terminal:
 * `10:00:00 INFO  changer  tape loaded  jobId=3fa2b1c0 barcode=AAK788L9`. Errors show their code,
 * message and hint; a line that is not JSON passes unchanged.
 *
 * @example
 * humanLine('{"level":"info","time":"2026-11-26T10:00:00.000Z","service":"changer","msg":"tape loaded","drive":0}\n');
 * // "10:00:00 INFO  changer  tape loaded  drive=0\n"
 */
export function humanLine(jsonLine: string): string {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(jsonLine);
  } catch {
    return jsonLine;
  }
  const time = typeof line.time === "string" ? new Date(line.time) : new Date();
  const clock = Number.isNaN(time.getTime()) ? "--:--:--" : time.toTimeString().slice(0, 8);
  const level = String(line.level ?? "")
    .toUpperCase()
    .padEnd(5);
  const fields = Object.entries(line)
    .filter(([key]) => !FRAME_KEYS.has(key))
    .map(([key, value]) => `${key}=${describeValue(value)}`);
  const head = `${clock} ${level} ${String(line.service ?? "")}  ${String(line.msg ?? "")}`;
  return `${fields.length === 0 ? head : `${head}  ${fields.join(" ")}`}\n`;
}

function describeValue(value: unknown): string {
  if (typeof value === "string")
    return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  if (value !== null && typeof value === "object" && "message" in value) {
    const error = value as { code?: unknown; message?: unknown; hint?: unknown };
    const code = error.code === undefined ? "" : `[${String(error.code)}] `;
    const hint = error.hint === undefined ? "" : ` (${String(error.hint)})`;
    return JSON.stringify(`${code}${String(error.message)}${hint}`);
  }
  return JSON.stringify(value) ?? String(value);
}

/** A stream that writes each JSON line to `terminal` as {@link humanLine} shows it. */
export function humanReadable(terminal: LogStream): LogStream {
  return { write: (line: string) => terminal.write(humanLine(line)) };
}
