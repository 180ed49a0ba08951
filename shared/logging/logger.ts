export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Anything lines can be written to: process.stderr, a file stream, an array in a test. */
export interface LogStream {
  write(line: string): unknown;
}

/** Extra structured fields of one log line; `jobId` is the one every service should add when known. */
export type LogFields = { readonly jobId?: string } & Readonly<Record<string, unknown>>;

/** Writes one JSON object per line: `{ time, level, service, msg, ...fields }`. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line, e.g. `log.child({ jobId: "3fa2b1c0" })`. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Name of the service writing, e.g. "gateway". */
  readonly service: string;
  /** Lines below this level are dropped. Default "info". */
  readonly level?: LogLevel;
  /** Where lines go. Default process.stderr, so stdout stays free for command output. */
  readonly stream?: LogStream;
}

/** Keys a caller's fields may not overwrite, so every line keeps its frame. */
const RESERVED_KEYS = new Set(["time", "level", "service", "msg"]);

/**
 * Creates a JSON-lines logger.
 *
 * @example
 * const log = createLogger({ service: "changer" });
 * log.info("tape loaded", { jobId: "3fa2b1c0", barcode: "AAK788L9", drive: 0 });
 * // {"time":"2026-11-26T10:00:00.000Z","level":"info","service":"changer","msg":"tape loaded","jobId":"3fa2b1c0",...}
 */
export function createLogger(options: LoggerOptions): Logger {
  const minimum = LOG_LEVELS.indexOf(options.level ?? "info");
  const stream = options.stream ?? process.stderr;
  return buildLogger(options.service, minimum, stream, {});
}

function buildLogger(
  service: string,
  minimum: number,
  stream: LogStream,
  bound: LogFields,
): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(level) < minimum) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, service, msg };
    for (const source of [bound, fields ?? {}]) {
      for (const [key, value] of Object.entries(source)) {
        if (!RESERVED_KEYS.has(key) && value !== undefined) line[key] = toJsonValue(value);
      }
    }
    stream.write(`${stringifyLine(line)}\n`);
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => buildLogger(service, minimum, stream, { ...bound, ...fields }),
  };
}

/** Errors lose their message and stack under JSON.stringify; keep what an operator needs. */
function toJsonValue(value: unknown): unknown {
  if (value instanceof Error) {
    const described: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) described.code = code;
    const hint = (value as { hint?: unknown }).hint;
    if (hint !== undefined) described.hint = hint;
    if (value.stack) described.stack = value.stack;
    if (value.cause !== undefined) described.cause = toJsonValue(value.cause);
    return described;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** A log call must never throw: circular or otherwise unserialisable fields become a note. */
function stringifyLine(line: Record<string, unknown>): string {
  try {
    return JSON.stringify(line, (_key, value: unknown) =>
      typeof value === "bigint" ? value.toString() : value,
    );
  } catch (error) {
    const { time, level, service, msg } = line;
    return JSON.stringify({
      time,
      level,
      service,
      msg,
      logError: `fields could not be serialised: ${(error as Error).message}`,
    });
  }
}
