export type { LogFields, Logger, LoggerOptions, LogLevel, LogStream } from "./logger.ts";
export { createLogger, LOG_LEVELS } from "./logger.ts";
