import {
  LOGGING_DEFAULTS,
  type PytarchiveConfig,
  readLoggingConfFile,
} from "../../shared/config/index.ts";
import { type LogSink, type LogStream, openLogSink } from "../../shared/logging/index.ts";

/**
 * Opens this process's log sink as the configuration says: `[Logging]` first, then the
 * RotatingFileHandler of the original's logging.conf (`[SMTP] logging_conf`), then the defaults
 * (/var/log/pytarchive.log, 10 MiB, 5 kept). Lines also go to standard error.
 *
 * @example
 * const sink = await openConfiguredLogSink(loadConfig());
 * const log = createLogger({ service: "launcher", level: config.logging.level, stream: sink.stream });
 */
export async function openConfiguredLogSink(
  config: PytarchiveConfig,
  terminal: LogStream & { readonly isTTY?: boolean } = process.stderr,
): Promise<LogSink> {
  const { logging } = config;
  const needsLoggingConf =
    logging.file === undefined ||
    logging.maxBytes === undefined ||
    logging.backupCount === undefined;
  const original =
    needsLoggingConf && config.smtp.loggingConf !== null
      ? await readLoggingConfFile(config.smtp.loggingConf)
      : null;
  const file =
    logging.file === undefined ? (original?.file ?? LOGGING_DEFAULTS.file) : logging.file;
  return openLogSink({
    file:
      file === null
        ? null
        : {
            file,
            maxBytes: logging.maxBytes ?? original?.maxBytes ?? LOGGING_DEFAULTS.maxBytes,
            backupCount:
              logging.backupCount ?? original?.backupCount ?? LOGGING_DEFAULTS.backupCount,
          },
    terminal,
  });
}
