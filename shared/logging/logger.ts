import { pino } from "pino";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Anything lines can be written to: process.stderr, a log sink, an array in a test. */
export interface LogStream {
  write(line: string): unknown;
}

/** Extra structured fields of one log line; `jobId` is the one every service should add when known. */
export type LogFields = { readonly jobId?: string } & Readonly<Record<string, unknown>>;

/** Writes one JSON object per line: `{ level, time, service, ...fields, msg }`. */
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
  /** Fields on every line, e.g. `{ group: "data-path" }`: which launcher process wrote it. */
  readonly fields?: LogFields;
}

/** Keys a caller's fields may not overwrite, so every line keeps its frame. */
const RESERVED_KEYS = new Set(["time", "level", "service", "msg"]);

/**
 * Creates a JSON-lines logger (pino underneath: fastify's logger, and the fastest there is).
 *
 * @example
 * const log = createLogger({ service: "changer" });
 * log.info("tape loaded", { jobId: "3fa2b1c0", barcode: "AAK788L9", drive: 0 });
 * // {"level":"info","time":"2026-11-26T10:00:00.000Z","service":"changer","jobId":"3fa2b1c0",…,"msg":"tape loaded"}
 */
export function createLogger(options: LoggerOptions): Logger {
  const root = pino(
    {
      level: options.level ?? "info",
      base: { service: options.service, ...withoutReservedKeys(options.fields ?? {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Errors anywhere in the fields keep what an operator needs (pino's own only at `err`).
        log: (fields) => withoutReservedKeys(fields),
      },
    },
    options.stream ?? process.stderr,
  );
  return wrap(root);
}

function wrap(logger: pino.Logger): Logger {
  const write =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (fields === undefined) logger[level](msg);
      else logger[level](fields, msg);
    };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (fields) => wrap(logger.child(withoutReservedKeys(fields))),
  };
}

function withoutReservedKeys(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!RESERVED_KEYS.has(key) && value !== undefined) kept[key] = toJsonValue(value);
  }
  return kept;
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
