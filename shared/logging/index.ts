export { humanLine, humanReadable } from "./human-lines.ts";
export { type LogSink, type LogSinkOptions, openLogSink } from "./log-sink.ts";
export type { LogFields, Logger, LoggerOptions, LogLevel, LogStream } from "./logger.ts";
export { createLogger, LOG_LEVELS } from "./logger.ts";
export { openRotatingFile, type RotatingFile, type RotatingFileOptions } from "./rotating-file.ts";
