import { LOG_LEVELS, type LogLevel } from "../logging/index.ts";
import { type Setting, type SettingsSource, settingError } from "./settings-source.ts";
import type { PytarchiveConfig } from "./types.ts";
import { parseOptionalAbsolutePath, parseWholeNumber } from "./values.ts";

/**
 * Defaults of `[Logging]` (see docs/configuration.md): the original's logging.conf wrote
 * /var/log/pytarchive.log, 10 MiB a file, 5 kept; its RotatingFileHandler fills in what
 * `[Logging]` leaves out.
 */
export const LOGGING_DEFAULTS = {
  file: "/var/log/pytarchive.log",
  level: "info",
  maxBytes: 10_485_760,
  backupCount: 5,
} as const;

/** `[Logging]`: where the log file is, how big it grows, how many old ones stay, which level. */
export function readLogging(source: SettingsSource): PytarchiveConfig["logging"] {
  const read = <T>(key: string, parse: (setting: Setting) => T): T | undefined => {
    const setting = source.read("Logging", key);
    return setting === undefined ? undefined : parse(setting);
  };
  return {
    file: read("file", (s) => parseOptionalAbsolutePath(s, LOGGING_DEFAULTS.file)),
    level: read("level", parseLevel) ?? LOGGING_DEFAULTS.level,
    maxBytes: read("max_bytes", (s) =>
      parseWholeNumber(
        s,
        0,
        2 ** 40,
        "expected a size in bytes from 0 (never rotate) to 2^40, e.g. 10485760",
      ),
    ),
    backupCount: read("backup_count", (s) =>
      parseWholeNumber(s, 0, 1000, "expected how many rotated files to keep, 0 to 1000, e.g. 5"),
    ),
  };
}

function parseLevel(setting: Setting): LogLevel {
  const value = setting.text.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw settingError(setting, `expected one of ${LOG_LEVELS.join(", ")}`);
  }
  return value as LogLevel;
}
